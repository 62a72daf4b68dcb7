// When body validation leaves a body exactly as parsed (what lets the prediction log rebuild applications from the
// body's text on its writer thread), and when it does not.
import { sharedSchemas } from '../schemas';
import { bodyValidationKeepsParse } from './validation';

describe('bodyValidationKeepsParse', () => {
  it("holds for the API's body schemas: no coercion, no removal, no defaults", () => {
    const body = { oneOf: [{ $ref: 'Applicant#' }, { type: 'array', items: { $ref: 'Applicant#' } }] };
    expect(bodyValidationKeepsParse([body, sharedSchemas()])).toBe(true);
  });

  it('fails as soon as any schema, however deep, has a default that useDefaults would write in', () => {
    const withDefault = {
      type: 'object',
      properties: { a: { type: 'array', items: [{ type: 'integer', default: 1 }] } },
    };
    expect(bodyValidationKeepsParse([sharedSchemas(), withDefault])).toBe(false);
  });
});
