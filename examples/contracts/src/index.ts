export {
  UserAccountCreated,
  UserAccountCreatedV1,
  UserAccountDeactivated,
  UserAccountDeleted,
  UserAccountTopic,
  type UserAccountTopicType,
  UserDisplayNameChanged,
  UserEmailChanged,
  userAccountTopic,
  userAccountTopicV1,
} from './user-account.ts';
