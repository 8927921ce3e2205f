// A program as text: its buffers, then its steps in execution order. Steps that run an op's
// `perform` in JavaScript are marked [js], as the native backend runs them outside its fast
// path; `jsSteps` (the backend's own account, when it has one) decides, else the program does.
import { formatShape } from '../core/ndarray.ts';
import { JS_KERNEL, type Program, type View } from '../compile/program.ts';

function formatView(v: View): string {
  const contiguous = v.strides.every((s, i) => s === v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const layout = contiguous ? '' : ` strides ${formatShape(v.strides)}`;
  const offset = v.offset !== 0 ? `+${v.offset}` : '';
  return `b${v.buffer}${offset}${formatShape(v.shape)}${layout}`;
}

export function formatProgram(program: Program, jsSteps?: readonly boolean[]): string[] {
  const lines = [
    `program for ${program.signature || '(no inputs)'}: ${program.steps.length} steps, ${program.buffers.length} buffers`,
  ];
  for (const b of program.buffers) {
    const index = b.role === 'temp' || b.role === 'constant' ? '' : ` ${b.index}`;
    lines.push(
      `  b${b.id}: ${b.role}${index} ${b.dtype}[${b.size}]${b.written ? ' (updated in place)' : ''}`,
    );
  }
  program.steps.forEach((step, i) => {
    const runsInJs = jsSteps ? jsSteps[i] : step.kernel === JS_KERNEL;
    const kernel = runsInJs
      ? ' [js]'
      : step.kernel !== step.opName && step.kernel !== JS_KERNEL
        ? ` (${step.kernel})`
        : '';
    lines.push(
      `  ${i}: ${step.opName}${kernel}  ${step.inputs.map(formatView).join(', ')} -> ${step.outputs.map(formatView).join(', ')}`,
    );
  });
  program.outputs.forEach((v, i) => lines.push(`  output ${i} = ${formatView(v)}`));
  program.updates.forEach((u) => lines.push(`  shared ${u.shared} <- ${formatView(u.value)}`));
  return lines;
}
