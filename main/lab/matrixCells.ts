// Metrics that are the cells of a matrix, stored one metric per cell as `<name>_<row>_<column>`
// (a confusion matrix: test_confusion_3_5). Front ends fold them into one line — a hundred lines
// of single counts would bury a run's other numbers — and leave the matrix to the kind's views.
// Imports nothing: the renderer reads it too.

const cellSuffix = /_(\d+)_(\d+)$/;

/** The matrix a cell metric belongs to (`final_test_confusion_3_5` → `final_test_confusion`), or null. */
export function matrixOfCell(name: string): string | null {
  return cellSuffix.test(name) ? name.replace(cellSuffix, '') : null;
}
