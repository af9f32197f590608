import { useEffect, useState } from 'preact/hooks'

/** Pages live in the fragment (`/ui#/jobs/01…`): the server serves one page, links still work. */
export function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'jobs').split('/').map(decodeURIComponent)
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const onChange = () => setRoute(read())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`
export const navigate = (...parts: string[]) => {
  location.hash = href(...parts)
}
