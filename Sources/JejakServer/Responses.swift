import Hummingbird
import JejakAPI
import JejakHTTPServing
import JejakModel
import NIOCore

/// Immutable resources (full tiles, entries by index): cached for a year.
let immutable = Answer.immutable
