import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import { isNode, type Node, resolve } from './arbitrary.ts'

const DOC_ID = 'urn:jobvisor:openapi'

/** One operation of the document. */
export interface Operation {
  method: string
  /** OpenAPI path, `/v1/jobs/{id}`. */
  path: string
  id: string
  node: Node
}

/** What came back for one request. */
export interface Answer {
  status: number
  contentType: string
  headers: Headers
  /** The body as text; not read for an event stream. */
  body: string
}

/**
 * The document as a contract: Ajv (JSON Schema 2020-12, formats checked) over its schemas, and
 * the checks a response must pass: a documented status, a documented content type, a body valid
 * against the documented schema, the documented required headers.
 */
export class Contract {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true })
  readonly #compiled = new Map<string, ValidateFunction>()

  constructor(readonly doc: Node) {
    addFormats.default(this.#ajv)
    this.#ajv.addSchema({ $id: DOC_ID, components: doc.components })
  }

  operations(): Operation[] {
    const paths = isNode(this.doc.paths) ? this.doc.paths : {}
    return Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item as Node).map(([method, node]) => ({
        method: method.toUpperCase(),
        path,
        id: String((node as Node).operationId),
        node: node as Node,
        // fast-check prints a counterexample with this: the operation, not its whole document.
        [fc.toStringMethod]: () => `${method.toUpperCase()} ${path}`,
      })),
    )
  }

  /** Ajv's verdict on `value` against a schema node of the document; null when valid. */
  errors(schema: unknown, value: unknown): string | null {
    const validate = this.#validator(schema)
    if (validate(value)) return null
    return this.#ajv.errorsText(validate.errors, { dataVar: 'value' })
  }

  isValid(schema: unknown, value: unknown): boolean {
    return this.#validator(schema)(value)
  }

  /** Why `answer` is not what `op` documents, or null when it is. */
  violation(op: Operation, answer: Answer): string | null {
    const responses = isNode(op.node.responses) ? op.node.responses : {}
    const declared = responses[String(answer.status)] ?? responses.default
    if (!isNode(declared))
      return `status ${answer.status} is not documented (${Object.keys(responses).join(', ')})`
    const response = resolve(declared, this.doc)
    const content = isNode(response.content) ? response.content : undefined
    if (content === undefined)
      return answer.body === '' ? this.#headerViolation(response, answer) : 'a body where none is documented'
    const media = content[answer.contentType]
    if (!isNode(media))
      return `content type ${answer.contentType || '(none)'} is not documented (${Object.keys(content).join(', ')})`
    if (answer.contentType === 'text/event-stream') return this.#headerViolation(response, answer)
    let body: unknown = answer.body
    if (answer.contentType.endsWith('json')) {
      try {
        body = JSON.parse(answer.body)
      } catch {
        return 'a JSON content type whose body is not JSON'
      }
    }
    const wrong = this.errors(media.schema, body)
    return wrong === null ? this.#headerViolation(response, answer) : `body: ${wrong}`
  }

  #headerViolation(response: Node, answer: Answer): string | null {
    for (const [name, header] of Object.entries(isNode(response.headers) ? response.headers : {})) {
      const value = answer.headers.get(name)
      if (value === null) {
        if ((header as Node).required) return `documented header ${name} is missing`
        continue
      }
      const schema = (header as Node).schema as Node | undefined
      const typed = schema?.type === 'integer' ? Number(value) : value
      const wrong = this.errors(schema ?? {}, typed)
      if (wrong) return `header ${name}: ${wrong}`
    }
    return null
  }

  #validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema ?? {})
    let validate = this.#compiled.get(key)
    if (!validate) {
      // Point the document's own refs at the registered document, so an inline schema resolves them.
      const absolute = JSON.parse(key, (k, v) =>
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? DOC_ID + v : v,
      )
      validate = this.#ajv.compile(absolute)
      this.#compiled.set(key, validate)
    }
    return validate
  }
}

/** `application/problem+json; charset=utf-8` → `application/problem+json`. */
export const essence = (contentType: string | null) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
