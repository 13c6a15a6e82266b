"""One line of plain English for each message code: the W3C classes the validator emits
and the portal's own, so a report reads without the W3C documentation at hand."""

from __future__ import annotations

import re
from collections.abc import Mapping

EXPLANATIONS: Mapping[str, str] = {
    # -- XML and parsing (xmlparse) ------------------------------------------------------
    "SAXError": "The document is not well-formed XML (or breaks the XML namespace rules).",
    "UndefinedNamedEntity": "A named entity such as &nbsp; is used but XML defines only "
    "&amp; &lt; &gt; &quot; &apos;; use the character or a numeric reference.",
    "BadXmlVersion": 'The XML declaration must say version="1.0".',
    "UnicodeError": "Bytes that are not valid in the document's declared (or BOM) encoding.",
    "UnknownEncoding": "The XML declaration names an encoding that does not exist.",
    "InvalidEncoding": "This value is not a registered character encoding name.",
    "MissingEncoding": "No XML declaration with an encoding; UTF-8 is assumed.",
    "NonstdEncoding": "XML parsers need only know UTF-8 and UTF-16; prefer UTF-8.",
    "ObscureEncoding": "An uncommon encoding that many feed readers cannot decode; use UTF-8.",
    "ContainsSystemEntity": "The DOCTYPE declares an external (SYSTEM) entity.",
    "ExternalEntity": "An external entity (XXE) is declared; it is never loaded and the "
    "document is refused.",
    "EntityDeclaration": "The DOCTYPE declares entities; refused, as entity expansion is how "
    "billion-laughs and blow-up attacks work.",
    "ExternalDTD": "The DOCTYPE names an external DTD; it is not loaded, so entities it "
    "defines stay undefined.",
    "InvalidDoctype": "The DOCTYPE does not match the feed's version (an RSS 0.91 DTD on "
    "another version).",
    "ValidatorLimit": "The document exceeds a safety limit (size, nesting depth or the time "
    "budget) and was not fully checked.",
    "MissingNamespace": "The element is in no namespace but needs one (Atom: "
    'xmlns="http://www.w3.org/2005/Atom").',
    "NotInANamespace": "An element that has to be in a namespace is not.",
    "InvalidNamespace": "The root element is in a namespace that is not the format's own.",
    "UnknownNamespace": "An element or attribute from a namespace the validator does not "
    "know; readers will ignore it.",
    "UnsupportedNamespace": "A namespace whose vocabulary is obsolete or not supported here.",
    "UndeterminableVocabulary": "The vocabulary of the document cannot be determined from "
    "its root element and namespaces.",
    "AvoidNamespacePrefix": "Use the default namespace for this element instead of a prefix.",
    "NonstdPrefix": "A well-known namespace is bound to an unusual prefix; some readers "
    "match prefixes literally.",
    "ReservedPrefix": "This prefix is conventionally reserved for another namespace.",
    "MediaRssNamespace": "The Media RSS namespace URI is misspelt (it ends with a slash).",
    # -- structure ---------------------------------------------------------------------------
    "UndefinedElement": "An element that the format does not define at this place.",
    "MissingElement": "A required element is missing.",
    "MissingAttribute": "A required attribute is missing.",
    "UnexpectedAttribute": "An attribute this element does not have (check its spelling).",
    "UnexpectedText": "Text where only child elements are allowed.",
    "UnexpectedWhitespace": "Whitespace around a value that must be given exactly.",
    "DuplicateElement": "An element that may appear only once appears again.",
    "DuplicateValue": "The same value is given twice where values must differ.",
    "DuplicateSemantics": "Two elements say the same thing (e.g. a core element and its "
    "Dublin Core twin); keep one.",
    "DuplicateDescriptionSemantics": "Both description and an equivalent element are given.",
    "DuplicateItemSemantics": "An item gives the same information twice in different elements.",
    "DuplicateUpdated": "Two entries have the same updated time; some readers order or "
    "de-duplicate by it.",
    "DuplicateEntries": "Two entries have the same id and updated time; readers keep only one.",
    "DuplicateIds": "Two entries share an id; readers will merge or drop them.",
    "DuplicateEnclosure": "Only one enclosure per item is reliably supported.",
    "DuplicateAtomLink": "Two links with the same rel, type and hreflang.",
    "MisplacedItem": "An item outside the channel (or in the wrong place).",
    "MisplacedMetadata": "Feed metadata placed after the entries; put it first.",
    "MisplacedXHTMLContent": "XHTML content must be wrapped in a single xhtml:div.",
    "MissingXhtmlDiv": 'type="xhtml" content must be wrapped in an XHTML div.',
    "NeedDescriptionBeforeContent": "Give description before content:encoded, for readers "
    "that stop at the first one.",
    "ItemMustContainTitleOrDescription": "An RSS item needs a title or a description.",
    "MissingTitle": "A title is required here.",
    "MissingDescription": "A description is required here.",
    "MissingLink": "A link is required here.",
    "MissingHref": "A link element needs an href attribute.",
    "MissingSelf": 'Atom feeds should have a link rel="self" with their own URL.',
    "MissingAtomSelfLink": 'RSS feeds should have an atom:link rel="self" with their own URL.',
    "MissingGuid": "An item should have a guid so readers can tell it from others.",
    "MissingSummary": "An entry without inline content should have a summary.",
    "MissingTextualContent": "An entry has neither textual content nor a summary.",
    "MissingContentOrAlternate": 'An entry needs content or a link rel="alternate".',
    "MissingSourceElement": "An entry copied from another feed should keep an atom:source.",
    "MissingTypeAttr": "The type attribute is needed when the content has a src.",
    "MissingDCLanguage": 'No language given; add dc:language or xml:lang ("vi").',
    "MissingRealName": "An e-mail address should be followed by a real name in brackets.",
    "MissingItunesElement": "An iTunes element required for podcast directories is missing.",
    "MissingItunesEmail": "iTunes podcasts need an owner e-mail.",
    "MissingCurrentInArchive": 'An RFC 5005 archive page needs a link rel="current".',
    "ArchiveIncomplete": "An archive page (RFC 5005) must not be marked incomplete.",
    "CurrentNotSelfInCompleteFeed": "In a complete feed (RFC 5005) current must equal self.",
    "FeedRelInCompleteFeed": "A complete feed (RFC 5005) must not have paging links.",
    "FeedHistoryRelInEntry": "Feed paging links (RFC 5005) belong to the feed, not an entry.",
    "AtomLinkNotEmpty": "atom:link must be empty; its target goes in href.",
    "AttrNotBlank": "This attribute must not be empty.",
    "NotBlank": "This element must not be empty.",
    "TooLong": "The value is longer than the format allows.",
    # -- text and HTML ---------------------------------------------------------------------
    "ContainsHTML": "Markup in a plain-text element; readers will show the tags.",
    "ContainsUndeclaredHTML": 'HTML in a text construct that does not say type="html".',
    "ContainsRelRef": "A relative URL inside HTML content; readers resolve it against "
    "different bases.",
    "ContainsEmail": "An e-mail address where none is expected (spam harvesting).",
    "CharacterData": "Encode & and < in text as &amp; and &lt; rather than CDATA tricks.",
    "HtmlFragment": "The HTML is a fragment that readers may not render as intended.",
    "NotHtml": "The value is not valid HTML (unbalanced or unknown markup).",
    "NotInline": "This content should be inline text, not a reference.",
    "NotEscaped": 'HTML here must be escaped (type="html") or given as XHTML.',
    "BadCharacters": "Characters that suggest text was decoded with the wrong encoding "
    "(mojibake or C1 controls).",
    "NotUTF8": "The text is not valid UTF-8.",
    "InvalidTextType": "type must be text, html or xhtml.",
    "SecurityRisk": "Markup that can run script in a reader (script, iframe, event "
    "handlers); it will be stripped.",
    "SecurityRiskAttr": "An attribute that can run script in a reader (onclick, javascript: URLs).",
    "DangerousStyleAttr": "A style attribute that may hide or alter content in readers.",
    "NoBlink": "The blink element is not HTML.",
    "CommentRSS": "wfw:commentRss should point at a comment feed URL.",
    # -- values ------------------------------------------------------------------------------
    "InvalidRFC3339Date": "Not an RFC 3339 date-time (2022-06-17T20:22:00+07:00).",
    "InvalidRFC2822Date": "Not an RFC 822 date-time (Fri, 17 Jun 2022 20:22:00 +0700).",
    "ProblematicalRFC822Date": "A legal RFC 822 date that some readers misread; write "
    "the numeric offset and a four-digit year.",
    "InvalidW3CDTFDate": "Not a W3C-DTF date (2022-06-17T20:22:00+07:00).",
    "InvalidISO8601DateTime": "Not an ISO 8601 date-time.",
    "IncorrectDOW": "The day of the week does not match the date.",
    "ImplausibleDate": "A date far in the past or in the future: a wrong clock?",
    "SlashDate": "Dates written with slashes are ambiguous; use the standard format.",
    "UseZeroForMidnight": "Write midnight as 00:00, not 24:00.",
    "NotEnoughHoursInTheDay": "An hour beyond 23.",
    "EightDaysAWeek": "A day name that does not exist.",
    "InvalidDay": "Not a day of the week.",
    "InvalidHour": "Not an hour of the day (0-23).",
    "InvalidDuration": "Not a duration.",
    "InvalidNPTTime": "Not a Normal Play Time value.",
    "InvalidUpdatePeriod": "updatePeriod must be hourly, daily, weekly, monthly or yearly.",
    "InvalidIRI": "Not a valid IRI.",
    "InvalidLink": "Not a valid URL.",
    "InvalidFullLink": "Must be an absolute URL (with http:// or https://).",
    "InvalidURIAttribute": "This attribute must hold a URI.",
    "InvalidURLAttribute": "This attribute must hold a URL.",
    "InvalidUriChar": "A character that is not allowed in a URI; percent-encode it.",
    "UriNotIri": "A URI with non-ASCII characters percent-encoded: an IRI would read better.",
    "NonCanonicalURI": "The URI is not in canonical form (case, default port, dot segments).",
    "SchemeNotIANARegistered": "The URI scheme is not registered with IANA.",
    "UnknownHost": "The host name cannot be a real one (e.g. no dot, bad characters).",
    "InvalidHttpGUID": 'A guid that is a URL but marked isPermaLink="false" (or vice '
    "versa); say which it is.",
    "InvalidPermalink": "isPermaLink is true (the default) but the guid is not a URL.",
    "InvalidTAG": "Not a valid tag: URI (RFC 4151: tag:authority,date:specific).",
    "InvalidURN": "Not a valid URN.",
    "InvalidUUID": "Not a valid UUID.",
    "NotSufficientlyUnique": "An id that is unlikely to be globally unique.",
    "RelativeSelf": "The self link must be absolute.",
    "SelfDoesntMatchLocation": "The self link is not the URL this document was read from.",
    "SelfNotAtom": "The self link's type should name the feed's own media type.",
    "SameDocumentReference": "A link that points back into this same document.",
    "LinkPastEnd": "A link relation used past the place it belongs.",
    "UnregisteredAtomLinkRel": "A link rel that is not registered with IANA.",
    "InvalidMIMEType": "Not a MIME media type (type/subtype).",
    "InvalidMIMEAttribute": "This attribute must be a MIME media type.",
    "InvalidLanguage": "Not a language tag (RFC 5646, e.g. vi or vi-VN).",
    "InvalidCountryCode": "Not an ISO 3166 country code.",
    "InvalidRSSVersion": "The rss version attribute must be 2.0 here.",
    "InvalidContact": "Must be an e-mail address, optionally followed by a name in brackets.",
    "InvalidAddrSpec": "Not a valid e-mail address.",
    "EmailFormat": "E-mail written in an unusual form; use name@example.com (Name).",
    "InvalidInteger": "Must be an integer.",
    "InvalidIntegerAttribute": "This attribute must be an integer.",
    "InvalidNonNegativeInteger": "Must be an integer of 0 or more.",
    "InvalidPositiveInteger": "Must be an integer greater than 0.",
    "InvalidCommaSeparatedIntegers": "Must be integers separated by commas.",
    "InvalidFloat": "Must be a number.",
    "InvalidWidth": "Width out of the allowed range.",
    "InvalidHeight": "Height out of the allowed range.",
    "InvalidLatitude": "Latitude must be between -90 and 90.",
    "InvalidLongitude": "Longitude must be between -180 and 180.",
    "InvalidBooleanAttribute": "This attribute must be true or false.",
    "InvalidTrueFalse": "Must be true or false.",
    "InvalidYesNoClean": "Must be yes, no or clean.",
    "InvalidKeywords": "Keywords must be separated by commas.",
    "NotBase64": "Not valid base64.",
    "ImageUrlFormat": "The image URL does not look like an image (gif, jpeg, png).",
    "ImageLinkDoesntMatch": "The image link should be the channel's link.",
    "ImageTitleDoesntMatch": "The image title should be the channel's title.",
    "AvoidTextInput": "textInput is ignored by nearly every reader.",
    "InvalidFormComponentName": "Not a valid form field name.",
    "UseOfExtensionAttr": "An extension attribute on a core element; readers ignore it.",
    "InvalidAccessRestrictionRel": "access:restriction relationship must be allow or deny.",
    "NoThrWhen": "thr:when is obsolete; use thr:updated.",
    "InvalidValue": "The value is not one this element or attribute allows.",
    "InvalidURI": "Not a valid URI.",
    "InvalidNSS": "The namespace-specific part of this URN is not valid.",
    "NotURLEncoded": "Characters in the URL must be percent-encoded.",
    "InvalidYesNo": "Must be yes or no.",
    "InvalidMetaName": "Not a recognised meta name.",
    "InvalidMetaContent": "Not a valid value for this meta element.",
    "QuestionableUsage": "Allowed, but probably not what was meant here.",
    "Deprecated": "Deprecated: readers may stop supporting it.",
    "ObsoleteVersion": "An obsolete version of the format; use the current one.",
    "TooMany": "More of these than the format allows.",
    "UseZeroForUnknown": "Write 0 for an unknown value rather than leaving it out or blank.",
    "IntegerOverflow": "The number is too large for readers to store.",
    "InvalidCoord": "Not a valid geographic coordinate.",
    "InvalidCoordList": "Not a valid list of coordinates.",
    "CoordComma": "Coordinates are separated by spaces, not commas.",
    "InvalidLocalRole": "Not a recognised role.",
    "InvalidSseType": "Not a valid FeedSync/SSE type.",
    "MissingByAndWhenAttrs": "FeedSync history needs a by or a when attribute.",
    "MissingRecommendedAttribute": "A recommended attribute is missing.",
    "SinceAfterUntil": "The since time is after the until time.",
    # -- JSON Feed -----------------------------------------------------------------------
    "InvalidJSON": "The document is not valid JSON (RFC 8259, UTF-8).",
    "InvalidJSONFeedVersion": "version must be https://jsonfeed.org/version/1.1 (or 1).",
    "InvalidJSONType": "This member has the wrong JSON type (string, number, object, array).",
    # -- iTunes and Media RSS ----------------------------------------------------------------
    "InvalidItunesCategory": "Not one of Apple's podcast categories.",
    "ObsoleteItunesCategory": "A podcast category Apple no longer lists.",
    "InvalidItunesChannelType": "itunes:type must be episodic or serial.",
    "InvalidItunesEpisodeType": "itunes:episodeType must be full, trailer or bonus.",
    "UnsupportedItunesFormat": "An enclosure format Apple Podcasts does not play.",
    "DeprecatedMediaAdult": "media:adult is deprecated; use media:rating.",
    "InvalidMediaExpression": "media expression must be sample, full or nonstop.",
    "InvalidMediaHash": "Not a valid media:hash (md5 or sha-1 hex).",
    "InvalidMediaMedium": "medium must be image, audio, video, document or executable.",
    "InvalidMediaRating": "Not a recognised media:rating value for its scheme.",
    "InvalidMediaRestriction": "media:restriction must list country codes or URIs.",
    "InvalidMediaRestrictionRel": "media:restriction relationship must be allow or deny.",
    "InvalidMediaRestrictionType": "media:restriction type must be country, uri or sharing.",
    "InvalidMediaTextType": "media:text type must be plain or html.",
    "InvalidCreditRole": "Not a recognised media:credit role.",
    "MediaGroupWithoutAlternatives": "A media:group should hold alternatives of one item.",
    # -- reading the source (files.py) -----------------------------------------------------
    "HttpError": "The server answered with an HTTP error; nothing to validate.",
    "IOError": "The file or URL could not be read (missing, unreachable, timed out).",
    "EncodingMismatch": "The HTTP charset and the document's own encoding disagree; "
    "readers may trust either.",
    "UnexpectedContentType": "Served with a media type that is not a feed's "
    "(application/atom+xml, application/rss+xml, application/feed+json).",
    # -- the portal's policy (policy.py) -------------------------------------------------------
    "OffsetNotLocal": "The date's UTC offset is not Asia/Ho_Chi_Minh's for that instant "
    "(+07:00 today, +08:00 in 1960; +07:07 is pytz misuse).",
    "FutureDate": "A date after the build time: no entry may be dated in the future.",
    "MissingRelatedLink": 'The entry has no related link (Atom link rel="related", RSS '
    "atom:link, JSON _hnp.related).",
    "RelativeRelatedLink": "A related link must be an absolute http(s) URL.",
    "RelatedLinkToSelf": "A related link points at the entry's own page.",
    "NotNFC": "Text not in Unicode NFC: Vietnamese diacritics as combining marks break "
    "search and comparison.",
    "ReplacementCharacter": "Text contains U+FFFD: something was decoded with the wrong "
    "encoding upstream.",
    "ControlCharacter": "Text contains a control character (C0/C1), invisible and often "
    "rejected by readers.",
    "IdNotTag": "Entry and feed ids must be tag: URIs (RFC 4151), stable for ever.",
    "IdChanged": "This article was published before under another id; readers would show "
    "it again as new.",
    "EntryIdsDiffer": "The Atom and RSS versions of the feed do not list the same entry ids "
    "in the same order.",
    "TooManyEntries": "More entries than the feed's configured limit.",
    "InvalidRelatedLink": "A related link that is not a URL at all (it cannot be parsed).",
    "TooManyMessages": "More faults than a report keeps: the first ones are listed, the "
    "rest counted.",
    "InternalError": "The validator itself failed on this document (a fault of ours, please "
    "report it); the document was not fully checked.",
    "DuplicateEntryId": "Two entries of one document share an id: aggregators keep only one "
    "of them.",
}

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+")


def explain(code: str) -> str:
    """One line saying what ``code`` means; unknown codes get their name in words."""
    known = EXPLANATIONS.get(code)
    if known is not None:
        return known
    words = _WORD.findall(code) or [code]
    phrase = " ".join(w if w.isupper() else w.lower() for w in words)
    return f"{phrase[:1].upper()}{phrase[1:]} (see the W3C Feed Validation Service's {code})."
