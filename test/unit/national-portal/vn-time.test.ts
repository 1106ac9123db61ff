import t from 'tap'
import { formatPortalTime, fromPortalTime, parseDateTime, toPortalTime } from '../../../connectors/national-portal/vn-time.js'

t.test('any offset becomes Vietnam wall-clock time (UTC+7, no DST)', async (t) => {
  t.strictSame([
    toPortalTime('2024-03-01T08:00:00+07:00'),
    toPortalTime('2024-03-01T01:00:00Z'),
    toPortalTime('2024-03-01T01:00:00.999z'),
    toPortalTime('2024-02-29T20:00:00-05:00'),
    toPortalTime('2024-03-01T06:30:00+05:30'),
    toPortalTime('2024-03-01 01:00:00+00:00'),
  ], ['20240301080000', '20240301080000', '20240301080000', '20240301080000', '20240301080000', '20240301080000'])
  t.equal(toPortalTime('2023-12-31T17:00:00Z'), '20240101000000', 'crosses the year boundary')
  t.equal(toPortalTime('2024-07-01T23:59:59+14:00'), '20240701165959', 'far eastern offset')
  t.equal(toPortalTime('2024-06-30T12:00:00Z'), '20240630190000', 'summer: still +7 (no DST)')
})

t.test('things that are not RFC 3339 date-times are refused', async (t) => {
  t.strictSame(['2024-03-01', '2024-03-01T08:00:00', '2024-02-30T08:00:00Z', '2024-03-01T24:00:00Z', '2024-03-01T08:00:00+25:00', '20240301080000', ''].map(toPortalTime),
    [undefined, undefined, undefined, undefined, undefined, undefined, undefined])
  t.equal(parseDateTime('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29), 'leap day exists in 2024')
  t.equal(parseDateTime('2023-02-29T00:00:00Z'), undefined, 'but not in 2023')
})

t.test('portal time back to RFC 3339 with +07:00', async (t) => {
  t.equal(fromPortalTime('20240301080000'), '2024-03-01T08:00:00+07:00')
  t.strictSame(['2024030108000', '202403010800000', '20240230080000', '20240301250000', '2024-03-01T08'].map(fromPortalTime), [undefined, undefined, undefined, undefined, undefined])
  const ms = Date.UTC(2025, 0, 15, 3, 4, 5)
  t.equal(parseDateTime(fromPortalTime(formatPortalTime(ms))!), ms, 'round trip')
})
