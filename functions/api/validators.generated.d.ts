import type { ValidateFunction } from 'ajv';
import type { SchemaName } from './schemas';

declare const validators: Record<SchemaName, ValidateFunction>;
export = validators;
