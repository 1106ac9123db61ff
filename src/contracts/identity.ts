/** Contracts of the identity sources the core consults: the population database and the business registry. */
import { contract } from '../upstream/contract.js'
import { LookupInput, LookupOutput, VerifyInput, VerifyOutput } from '../../schemas/citizen.js'
import { GetEnterpriseInput, GetEnterpriseOutput } from '../../schemas/enterprise.js'

export const CitizenLookup = contract('citizens.lookup', 'lookup', LookupInput, LookupOutput,
  'Looks up one citizen by personal ID (or old 9-digit ID), full name and date of birth; the whole record, or null when none.')
export const CitizenVerify = contract('citizens.verify', 'verify', VerifyInput, VerifyOutput,
  'Asks whether a citizen with exactly this ID, name and date of birth exists; yes or no.')
export const EnterpriseGet = contract('enterprises.get', 'getEnterprise', GetEnterpriseInput, GetEnterpriseOutput,
  'One enterprise (or branch) by its enterprise code; null when the registry holds none.')
