// The ledger's API speaks the model's types (events, leaves, the registry, receipts, errors):
// whoever imports the ledger has them too.
@_exported import JejakModel
