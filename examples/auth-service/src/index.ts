export { type Account, AccountError, AuthService } from './auth-service.ts';
export { OutboxAuthService } from './outbox-auth-service.ts';
