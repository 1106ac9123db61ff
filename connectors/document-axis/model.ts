/** The document model is the core's (src/axis/model.ts): the connector maps it to and from edXML. */
export * from '../../src/axis/model.js'
