// Writing your own ops (engine/README.md, "Writing your own op"): declared types instead of
// makeNode, elementwise ops from an expression string, C ops compiled on first use and cached.
export { TypedOp, type InputType, type OutputType } from './typedOp.ts';
export {
  ElementwiseExpr,
  elementwise,
  type Constants,
  type ElementwiseOptions,
} from './expression/elementwiseOp.ts';
export { ExpressionError } from './expression/parse.ts';
export { COp, type CCode } from './c/cOp.ts';
export { CompileError, CompilerUnavailableError } from './c/compiler.ts';
export { cacheRoot, clearCompiledOps, listCompiledOps, type CompiledOpEntry } from './c/cache.ts';
