/** Reading an option schema's structure: where the objects are and which keys they know. */
import type * as z from 'zod';

type Schema = z.core.$ZodType;
type Def = z.core.$ZodTypeDef & {
  innerType?: Schema;
  options?: readonly Schema[];
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
};

export function defOf(schema: Schema): Def {
  return schema._zod.def as Def;
}

/** The schema under optional/readonly/nullable/default wrappers. */
export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (
      (def.type === 'optional' ||
        def.type === 'readonly' ||
        def.type === 'nullable' ||
        def.type === 'default' ||
        def.type === 'nonoptional') &&
      def.innerType
    )
      current = def.innerType;
    else return current;
  }
}

/** The object forms a schema can take (itself, or the object branches of a union). */
export function objectForms(schema: Schema): Array<Record<string, Schema>> {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape) return [def.shape];
  if (def.type === 'union' && def.options) return def.options.flatMap(objectForms);
  return [];
}

/** The schema that validates the value at `path` (following object forms, records and lists). */
function schemaAt(root: Schema, path: ReadonlyArray<PropertyKey>): Schema | undefined {
  let current: Schema | undefined = root;
  for (const part of path) {
    if (!current) return undefined;
    const inner = unwrap(current);
    const def = defOf(inner);
    if (def.type === 'array' && def.element) current = def.element;
    else if (def.type === 'record' && def.valueType) current = def.valueType;
    else current = objectForms(inner).find((shape) => typeof part === 'string' && part in shape)?.[part as string];
  }
  return current;
}

/** The option names an object at `path` knows. */
export function keysAt(root: Schema, path: ReadonlyArray<PropertyKey>): string[] {
  const schema = schemaAt(root, path);
  return schema ? [...new Set(objectForms(schema).flatMap((shape) => Object.keys(shape)))] : [];
}
