// An audit's report, findings and rules are the verification layer's types: whoever imports
// the inspector has them too.
@_exported import JejakVerification
