export { type AuditEntry, AuditLog, auditSubscriber } from './audit.ts';
