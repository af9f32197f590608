// Bundles the dashboard (src/ui) into dist/ui with esbuild: one ES module plus its stylesheet and
// page, served by the service at /ui (src/routes/ui.ts). No CDN: everything it needs is in here.
import { copyFileSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Writes app.js, styles.css and index.html into `outdir`. */
export async function buildUi(outdir = `${root}dist/ui`) {
  mkdirSync(outdir, { recursive: true })
  await build({
    entryPoints: [`${root}src/ui/main.tsx`],
    outfile: `${outdir}/app.js`,
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  })
  for (const file of ['index.html', 'styles.css']) copyFileSync(`${root}src/ui/${file}`, `${outdir}/${file}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildUi()
