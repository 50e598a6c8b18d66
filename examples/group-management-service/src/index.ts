export { GroupManagement, groupManagementSubscriber, type HandledEvent, type Member } from './group-management.ts';
