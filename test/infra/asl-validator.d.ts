/** Types for asl-validator 4 (CommonJS, ships no declarations): `module.exports = function validator(...)`. */
declare module 'asl-validator' {
  interface StateMachineError {
    'Error code': string;
    Message: string;
    schemaError?: { instancePath: string; schemaPath: string };
  }
  interface ValidationOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  interface ValidationResult {
    isValid: boolean;
    errors: StateMachineError[];
    errorsText: (separator?: string) => string;
  }
  function validator(definition: unknown, options?: ValidationOptions): ValidationResult;
  export = validator;
}
