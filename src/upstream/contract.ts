/**
 * Declaring and implementing operation contracts (the `Contract` type is in types.ts). A consumer
 * declares `contract(capability, operation, input, output, description)`; a connector implements
 * it with `implement`, which takes the schemas from the contract so the operation's `run` is
 * checked against the same input and output types the caller gets from `registry.call`.
 */
import type { Static, TSchema } from 'typebox'
import type { Contract, OperationContext, OperationDef } from './types.js'

export type { Contract } from './types.js'
export type ContractInput<C extends Contract> = Static<C['input']>
export type ContractOutput<C extends Contract> = Static<C['output']>

export function contract<I extends TSchema, O extends TSchema>(capability: string, operation: string, input: I, output: O, description: string): Contract<I, O> {
  return Object.freeze({ capability, operation, description, input, output })
}

export interface Implementation<I extends TSchema, O extends TSchema> {
  /** Overall deadline of one call including retries, unless config (`timeoutMs.<operation>`) overrides it. */
  timeoutMs: number
  /** Safe to repeat: only idempotent operations are retried on transient failures. */
  idempotent: boolean
  /** Default: the contract's description. */
  description?: string
  run(input: Static<I>, ctx: OperationContext): Promise<Static<O>>
}

export function implement<I extends TSchema, O extends TSchema>(c: Contract<I, O>, impl: Implementation<I, O>): OperationDef<I, O> {
  return { contract: c, description: impl.description ?? c.description, input: c.input, output: c.output, timeoutMs: impl.timeoutMs, idempotent: impl.idempotent, run: impl.run }
}
