import { checkDeclaredVersions } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import { UserAccountCreated, UserAccountCreatedV1, userAccountTopic } from '../src/index.ts';

describe('user-account contracts', () => {
  it('version 2 of "created" is compatible with version 1 both ways', () => {
    const results = checkDeclaredVersions(userAccountTopic(), 'FULL');
    expect(results).toHaveLength(1);
    expect(results[0]?.messages).toEqual([]);
    expect(results[0]?.compatible).toBe(true);
  });

  it('derives one Avro record per event, named in the auth namespace', () => {
    expect(UserAccountCreated.fullName).toBe('com.example.auth.UserAccountCreated');
    expect(UserAccountCreatedV1.fullName).toBe(UserAccountCreated.fullName);
    expect(UserAccountCreated.payloadSchema.fields.map((f) => f.name)).toEqual([
      'accountId',
      'revision',
      'email',
      'displayName',
    ]);
  });
});
