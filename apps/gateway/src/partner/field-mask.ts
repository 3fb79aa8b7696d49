import {
  getOption,
  isFieldSet,
  type DescField,
  type DescMessage,
  type Message,
} from '@bufbuild/protobuf';
import type { FieldMask } from '@bufbuild/protobuf/wkt';
import { fieldBehavior, FieldBehavior } from '@textback/contracts/partner';
import { PartnerError } from './partner-errors';

/** Whether a client may set this field (not OUTPUT_ONLY, not the resource's name). */
export function writable(field: DescField): boolean {
  const behaviors = getOption(field, fieldBehavior);
  return (
    !behaviors.includes(FieldBehavior.OUTPUT_ONLY) && !behaviors.includes(FieldBehavior.IDENTIFIER)
  );
}

/**
 * The fields an update changes (AIP-134): those the mask names — each a writable top-level
 * field — or, without a mask, every writable field the message sets.
 */
export function maskedFields(
  schema: DescMessage,
  message: Message,
  mask: FieldMask | undefined,
  maskField = 'update_mask',
): DescField[] {
  if (!mask || mask.paths.length === 0)
    return schema.fields.filter((f) => writable(f) && isFieldSet(message, f));
  return mask.paths.map((path) => {
    const field = schema.fields.find((f) => f.name === path);
    const refuse = (why: string): never => {
      throw new PartnerError('invalid-request', `${maskField}: ${path} ${why}`, {
        fields: [{ field: maskField, description: `${path} ${why}` }],
      });
    };
    if (!field)
      return refuse(
        path.includes('.') ? 'is not a field of its own (name whole fields)' : 'is not a field',
      );
    if (!writable(field)) return refuse('is read-only');
    return field;
  });
}
