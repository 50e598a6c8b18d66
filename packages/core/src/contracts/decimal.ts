import * as z from 'zod';
import { parseDecimal, registerDecimalCheck } from '../avro/logical-types.ts';

/**
 * An exact decimal carried as a string ("12.30") and as Avro `bytes` with the `decimal`
 * logical type, so other languages read a BigDecimal/Decimal.
 *
 * @example
 * const Price = z.object({ amount: decimal({ precision: 12, scale: 2 }), currency: z.string() });
 */
export function decimal(spec: { precision: number; scale: number }): z.ZodString {
  const { precision, scale } = spec;
  if (!Number.isInteger(precision) || precision < 1 || !Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new RangeError(
      `decimal: need integers 1 <= precision and 0 <= scale <= precision, got ${precision}/${scale}`,
    );
  }
  const check = z.refine(
    (value: unknown) => {
      const unscaled = typeof value === 'string' ? parseDecimal(value, scale) : undefined;
      return unscaled !== undefined && (unscaled < 0n ? -unscaled : unscaled).toString().length <= precision;
    },
    { message: `must be a decimal number with at most ${precision} digits, ${scale} of them after the point` },
  );
  registerDecimalCheck(check, { precision, scale });
  return z.string().check(check);
}
