// The field manager of every write Sluice makes. The admission webhooks recognise Sluice's own
// requests by it (request.options.fieldManager), so it lives apart from the client: pure code
// can import it without loading client-node.
export const SLUICE_FIELD_MANAGER = 'sluice';
