/** Agency-restricted listings on PostgreSQL: see read-model-agencies.ts. */
import { restrictedListings } from './read-model-agencies.js'

restrictedListings('postgres')
