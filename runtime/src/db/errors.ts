import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** Whether a database error is a unique constraint violation (same on SQLite, PostgreSQL, SQL Server). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException;
}
