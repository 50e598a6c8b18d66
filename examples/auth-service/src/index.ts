export { type Account, AccountError, AuthService } from './auth-service.ts';
