/** `GET /v1/indicators` and `GET /v1/indicators/summary` (docs/indicators.md). */
import { Type } from 'typebox'
import { SUMMARY_GROUPS } from '../config.js'

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A day (YYYY-MM-DD, Vietnam time); both ends are included' })
const AgencyFilter = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z.*]+$', description: 'A current agency code, or a pattern where `*` is any characters (`*.H48` = the whole province, `*.61.H48` = a unit and what is under it)' })

export const IndicatorQuery = Type.Object({
  from: Day,
  to: Day,
  agency: Type.Optional(AgencyFilter),
  procedure: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'A procedure code' })),
  groupBy: Type.Optional(Type.Enum(['agency', 'procedure', 'channel', 'day', 'none'], { default: 'none', description: 'One row per agency, procedure, channel (`-` = axis documents and feedback without a dossier), day, or one row `all`' })),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'csv = the same rows as CSV (also with `Accept: text/csv`), one line per row and indicator' })),
}, { additionalProperties: false })

export const SummaryQuery = Type.Object({
  from: Day,
  to: Day,
  agency: Type.Optional(AgencyFilter),
}, { additionalProperties: false })

export const IndicatorValue = Type.Union([
  Type.Object({
    available: Type.Literal(true),
    value: Type.Number({ description: 'A share 0–1, a count, hours or seconds (docs/indicators.md)' }),
    numerator: Type.Number(),
    denominator: Type.Number(),
  }, { additionalProperties: false }),
  Type.Object({
    available: Type.Literal(false),
    needs: Type.String({ description: 'What the indicator would need that the hub does not have' }),
  }, { additionalProperties: false }),
])

export const IndicatorsPage = Type.Object({
  from: Day,
  to: Day,
  groupBy: Type.String(),
  rows: Type.Array(Type.Object({
    key: Type.String({ description: 'The agency code, procedure code, channel or day; `all` when groupBy=none' }),
    indicators: Type.Record(Type.String(), IndicatorValue),
  })),
})

export const IndicatorSummary = Type.Object({
  from: Day,
  to: Day,
  agencies: Type.Array(Type.Object({
    agency: Type.String(),
    groups: Type.Array(Type.Object({
      id: Type.Enum([...SUMMARY_GROUPS]),
      maxPoints: Type.Number(),
      points: Type.Union([Type.Number(), Type.Null()], { description: 'From the configured weights; null when a scored rate is not available' }),
      rates: Type.Record(Type.String(), IndicatorValue),
    })),
  })),
})
