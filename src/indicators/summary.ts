/**
 * A Decision-766-style summary per agency: the five groups, the rates behind each, and points
 * from the configured weights (`indicators.summary`; config/default.json ships illustrative
 * ones). A rate's points are full at or above its target, else rate × points / target (the
 * conversion 766's notes give: "Đạt từ 80% trở lên sẽ đạt điểm tối đa. Dưới 80% …"). A group's
 * points are null when a scored rate is not available: no score is made of missing data.
 */
import { SUMMARY_GROUPS, type HubConfig, type SummaryGroupId } from '../../schemas/config.js'
import { EXTERNAL_RATES, type IndicatorId, type IndicatorValue } from './definitions.js'
import type { IndicatorRow } from './query.js'

export interface SummaryGroup {
  id: SummaryGroupId
  maxPoints: number
  points: number | null
  rates: Record<string, IndicatorValue>
}

const unknownRate = (id: string): IndicatorValue => ({ available: false, needs: `"${id}" is no indicator of the hub; correct indicators.summary in the configuration` })

export function summarize(row: IndicatorRow, weights: HubConfig['indicators']['summary']): SummaryGroup[] {
  return SUMMARY_GROUPS.flatMap((id) => {
    const group = weights[id]
    if (!group) return []
    const rates: Record<string, IndicatorValue> = {}
    let points: number | null = 0
    for (const [rate, w] of Object.entries(group.rates)) {
      const value = row.indicators[rate as IndicatorId] ?? EXTERNAL_RATES[rate] ?? unknownRate(rate)
      rates[rate] = value
      if (w.points === 0 || points === null) continue
      points = value.available ? points + Math.min(1, value.value / w.target) * w.points : null
    }
    return [{ id, maxPoints: group.maxPoints, points: points === null ? null : Math.round(points * 100) / 100, rates }]
  })
}
