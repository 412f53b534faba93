/**
 * The schema's DateTime: RFC 3339 in UTC, with milliseconds only when they are not zero. Used by
 * the DateTime scalar and by every adapter's mapping of upstream timestamps.
 */
/**
 * An RFC 3339 date-time (`T`, `t` or a space between date and time; any fraction; `Z`, `z` or an
 * offset) as the schema's DateTime, or null when it is not one or names no real instant (month 13,
 * 30 February, hour 24, second 60: `Date` would roll some of them over to the next day or month).
 * A value already in the canonical form is returned as it is. Any other is read character by
 * character, with no regular expression match and no `Date`: ConductorOne writes every timestamp
 * with a fraction of a second, and a batch of its single reads maps hundreds per request. A
 * fraction beyond milliseconds is cut off, as `Date` does.
 */
export function normalizeDateTime(value: string): string | null {
  if (isCanonicalDateTime(value)) return value;
  if (value.length < 20 || !calendarFieldsValid(value)) return null;
  let at = 19;
  let ms = 0;
  if (value.charCodeAt(at) === DOT) {
    const start = ++at;
    while (at < value.length && at - start < 10 && isDigit(value.charCodeAt(at))) at++;
    const digits = at - start;
    if (digits === 0 || digits > 9) return null;
    ms = digits >= 3 ? number(value, start, 3) : number(value, start, digits) * (digits === 1 ? 100 : 10);
  }
  const zone = value.charCodeAt(at);
  let offsetMinutes = 0;
  if (zone === Z || zone === LOWER_Z) {
    if (at + 1 !== value.length) return null;
  } else if (zone === PLUS || zone === DASH) {
    if (at + 6 !== value.length || value.charCodeAt(at + 3) !== COLON) return null;
    if (!digitsAt(value, at + 1, 2) || !digitsAt(value, at + 4, 2)) return null;
    const hours = number(value, at + 1, 2);
    const minutes = number(value, at + 4, 2);
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone === PLUS ? 1 : -1) * (hours * 60 + minutes);
  } else return null;
  const days = daysFromCivil(number(value, 0, 4), number(value, 5, 2), number(value, 8, 2));
  const seconds = (number(value, 11, 2) * 60 + number(value, 14, 2) - offsetMinutes) * 60 + number(value, 17, 2);
  return formatTime(days * DAY_MS + seconds * 1000 + ms);
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * `2026-11-22T05:31:56Z`, or `…56.789Z` when there are milliseconds.
 *
 * The result is one flat string, written by `String.fromCharCode` from its digits. A template
 * literal of the same dozen parts would make V8 build a tree of ConsStrings (every concatenation
 * past 12 characters is one): about 300 bytes and eight objects per timestamp instead of about 40
 * bytes and one, kept as long as the mapped item, and flattened again by `JSON.stringify` when
 * the response is written, at three times the cost of a flat string (docs/performance.md,
 * *Timestamps as flat strings*).
 */
export function formatDateTime(date: Date): string {
  return formatTime(date.getTime());
}

/** {@link formatDateTime} of milliseconds since the epoch. */
function formatTime(time: number): string {
  // Years 0000-9999 by arithmetic, about twice as fast as toISOString (which is kept for the rest,
  // and for an invalid time, where it throws a RangeError).
  if (!(time >= MIN_TIME && time <= MAX_TIME)) {
    const iso = new Date(time).toISOString();
    return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
  }
  const days = Math.floor(time / DAY_MS);
  let rest = time - days * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  // Days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted), in eras of
  // 400 years starting on 1 March, so that the leap day comes last.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return writeDateTime(year, month, day, hour, minute, second, ms);
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const MIN_TIME = -62_167_219_200_000;
const MAX_TIME = 253_402_300_799_999;
/**
 * The canonical form of a UTC instant given by its fields (year 0000-9999), as one flat string:
 * each character's code computed into a local, then one `String.fromCharCode`.
 */
// prettier-ignore
function writeDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): string {
  const y0 = digit(year / 1000), y1 = digit(year / 100), y2 = digit(year / 10), y3 = digit(year);
  const mo0 = digit(month / 10), mo1 = digit(month), d0 = digit(day / 10), d1 = digit(day);
  const h0 = digit(hour / 10), h1 = digit(hour), mi0 = digit(minute / 10), mi1 = digit(minute);
  const s0 = digit(second / 10), s1 = digit(second);
  return ms === 0
    ? String.fromCharCode(y0, y1, y2, y3, DASH, mo0, mo1, DASH, d0, d1, T, h0, h1, COLON, mi0, mi1, COLON, s0, s1, Z)
    : String.fromCharCode(y0, y1, y2, y3, DASH, mo0, mo1, DASH, d0, d1, T, h0, h1, COLON, mi0, mi1, COLON, s0, s1,
        DOT, digit(ms / 100), digit(ms / 10), digit(ms), Z);
}

/** The character code of the last decimal digit of `Math.floor(n)`, for n ≥ 0. */
const digit = (n: number) => 0x30 + (Math.floor(n) % 10);

/**
 * Whether `value` is a DateTime exactly as {@link formatDateTime} writes one, naming a real instant:
 * `YYYY-MM-DDTHH:MM:SSZ`, or `…SS.mmmZ` with milliseconds other than `000`.
 */
export function isCanonicalDateTime(value: string): boolean {
  if (value.charCodeAt(10) !== T) return false;
  if (value.length === 20) return value.charCodeAt(19) === Z && calendarFieldsValid(value);
  return (
    value.length === 24 &&
    value.charCodeAt(19) === DOT &&
    value.charCodeAt(23) === Z &&
    digitsAt(value, 20, 3) &&
    !value.startsWith('000', 20) &&
    calendarFieldsValid(value)
  );
}

/**
 * Whether the first 19 characters are `YYYY-MM-DD?HH:MM:SS` (with `T` in the canonical form; `t` or
 * a space also pass, as {@link normalizeDateTime} allows them) and name a real date and time of day.
 */
function calendarFieldsValid(value: string): boolean {
  const separator = value.charCodeAt(10);
  if (
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    !(separator === T || separator === LOWER_T || separator === SPACE) ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    !digitsAt(value, 0, 4) ||
    !digitsAt(value, 5, 2) ||
    !digitsAt(value, 8, 2) ||
    !digitsAt(value, 11, 2) ||
    !digitsAt(value, 14, 2) ||
    !digitsAt(value, 17, 2)
  ) {
    return false;
  }
  const year = number(value, 0, 4);
  const month = number(value, 5, 2);
  const day = number(value, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    number(value, 11, 2) <= 23 &&
    number(value, 14, 2) <= 59 &&
    number(value, 17, 2) <= 59
  );
}

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const SPACE = 0x20;
const PLUS = 0x2b;
const T = 0x54;
const LOWER_T = 0x74;
const Z = 0x5a;
const LOWER_Z = 0x7a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function digitsAt(value: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) {
    if (!isDigit(value.charCodeAt(i))) return false;
  }
  return true;
}

function number(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + value.charCodeAt(i) - 0x30;
  return n;
}
