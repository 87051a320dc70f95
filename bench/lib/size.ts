/**
 * DynamoDB item sizes, computed the way DynamoDB bills them ("Item sizes and formats", DynamoDB Developer
 * Guide): the UTF-8 length of every attribute name plus the size of its value — strings by UTF-8 bytes, numbers
 * ~1 byte per two significant digits + 1, booleans and nulls 1 byte, lists and maps 3 bytes + 1 byte per
 * element (+ the key names of a map). Used by the meter to turn items into read and write request units.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function numberSize(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Size of one value in the DynamoDB wire format (AttributeValue). */
export function attributeValueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + attributeValueSize(x), 0);
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + utf8(k) + 1 + attributeValueSize(x), 0);
  return 0;
}

/** Size of an item in the wire format. */
export function attributeItemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + attributeValueSize(v), 0);
}

/** Size of one value in the DocumentClient's plain-JavaScript form (what the handlers read and write). */
export function documentValueSize(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberSize(String(v));
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...(v as Set<unknown>)].reduce<number>((s, x) => s + documentValueSize(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce<number>((s, x) => s + 1 + documentValueSize(x), 0);
  if (typeof v === 'object')
    return (
      3 +
      Object.entries(v as Record<string, unknown>).reduce(
        (s, [k, x]) => s + utf8(k) + 1 + documentValueSize(x),
        0,
      )
    );
  return 0;
}

/** Size of an item in the DocumentClient's form. */
export function documentItemSize(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + documentValueSize(v), 0);
}

/** Read request units of one strongly consistent (1 per 4 KB) or eventually consistent (half) read. */
export const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** Write request units of one write (1 per 1 KB, at least 1). */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
