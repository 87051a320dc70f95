/** Moved: the repositories are one module each in ./repositories. */
export * from './repositories';
