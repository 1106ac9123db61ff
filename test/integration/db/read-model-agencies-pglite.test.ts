/** Agency-restricted listings on PGlite: see read-model-agencies.ts. */
import { restrictedListings } from './read-model-agencies.js'

restrictedListings('pglite')
