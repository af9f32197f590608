/** Writes app.js, styles.css and index.html into `outdir` (default dist/ui). */
export function buildUi(outdir?: string): Promise<void>
