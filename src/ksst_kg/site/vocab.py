"""The IRIs the pages name, spelled once."""

from __future__ import annotations

from .ns import DCTERMS, KG, KSST, ORG, PROV, RDF_TYPE, RDFS, SCHEMA, SKOS

TYPE = RDF_TYPE
LABEL = RDFS + "label"
COMMENT = RDFS + "comment"
PREF = SKOS + "prefLabel"
ALT = SKOS + "altLabel"
DEFINITION = SKOS + "definition"
IN_SCHEME = SKOS + "inScheme"
BROADER = SKOS + "broader"
NAME = SCHEMA + "name"
URL = SCHEMA + "url"
SAME_AS = SCHEMA + "sameAs"
START = SCHEMA + "startDate"
END = SCHEMA + "endDate"
DURATION = SCHEMA + "duration"
MODE = SCHEMA + "eventAttendanceMode"
ORGANIZER = SCHEMA + "organizer"
PUBLISHER = SCHEMA + "publisher"
CONTAINED_IN = SCHEMA + "containedInPlace"
VALUE = SCHEMA + "value"
DATE_PUBLISHED = SCHEMA + "datePublished"
TITLE = DCTERMS + "title"

PART_OF_PROGRAMME = KSST + "partOfProgramme"
YEAR = KSST + "year"
BATCH_ORDINAL = KSST + "batchOrdinal"
BATCH_LABEL = KSST + "batchLabel"
HOSTING_YEAR = KSST + "hostingYearOrdinal"
HELD_IN = KSST + "heldIn"
VENUE = KSST + "venue"
THEME = KSST + "theme"
PARTICIPANTS = KSST + "statedParticipantCount"
COUNTRIES = KSST + "statedCountryCount"
PARTICIPATING = KSST + "participatingCountry"
COUNTRY_LIST = KSST + "countryList"
HOST_COUNTRY = KSST + "hostCountry"
TOPIC = KSST + "curriculumTopic"
BACKGROUND = KSST + "participantBackground"
HAS_VISIT = KSST + "hasVisit"
HAS_WORKSHOP = KSST + "hasWorkshop"
NEXT_PLAN = KSST + "nextEditionPlan"
FOLLOWS_UP = KSST + "followsUp"
FIGURE = KSST + "statedFigure"
NOTE = KSST + "contextNote"
HAS_DISCREPANCY = KSST + "hasDiscrepancy"
UNDER_FRAMEWORK = KSST + "underFramework"
FOR_MEMBERS_OF = KSST + "forMembersOf"
ACRONYM = KSST + "acronym"
COMMITTED_SINCE = KSST + "committedSince"

VISITED = KSST + "visitedInstitution"
VISITED_DESCRIPTION = KSST + "visitedDescription"
ACTIVITY = KSST + "activity"
VISIT_TOPIC = KSST + "visitTopic"
VISIT_OF = KSST + "visitOf"
INST_COMPLETENESS = KSST + "institutionListCompleteness"
INST_MARKER = KSST + "institutionListMarker"
WORKSHOP_OF = KSST + "workshopOf"
HOSTED_BY = KSST + "hostedBy"
WORKSHOP_TOPIC = KSST + "workshopTopic"
PLAN_OF = KSST + "planOf"
PLANNED_YEAR = KSST + "plannedYear"
PLANNED_PLACE = KSST + "plannedPlace"
FIGURE_OF = KSST + "figureOf"
UNIT_TEXT = KSST + "unitText"
ATTRIBUTED_TO = KSST + "attributedTo"
STATED_BY = KSST + "statedBy"
MEETING_ORDINAL = KSST + "meetingOrdinal"
MONTH = KSST + "month"

QUALIFIED = PROV + "qualifiedAssociation"
ROLE_IN = KSST + "roleIn"
AGENT = PROV + "agent"
HAD_ROLE = PROV + "hadRole"
IN_CAPACITY = KSST + "inCapacityOf"
FROM_COUNTRY = KSST + "fromCountry"
REMARK = KSST + "remarkSummary"
MEMBER = ORG + "member"
ORGANIZATION = ORG + "organization"
POST = ORG + "role"
ACTING = KSST + "acting"
ATTESTED_AT = KSST + "attestedAt"

UNIT_OF = ORG + "unitOf"
BASED_IN = KSST + "basedIn"
IN_COUNTRY = KSST + "country"
REFERENCE_NOTE = KSST + "referenceNote"
CHANGED_BY = ORG + "changedBy"
RESULTED_FROM = ORG + "resultedFrom"
ORIGINAL_ORG = ORG + "originalOrganization"
RESULTING_ORG = ORG + "resultingOrganization"
ISO2 = KSST + "isoAlpha2"
ISO3 = KSST + "isoAlpha3"
MEMBER_STATE_OF = KSST + "memberStateOf"

LISTED = KSST + "listedCountry"
LIST_COMPLETENESS = KSST + "listCompleteness"
LIST_MARKER = KSST + "listMarker"
LIST_OF = KSST + "countryListOf"
DERIVED_FROM = PROV + "wasDerivedFrom"

CLAIM_SUBJECT = KSST + "claimSubject"
CLAIM_PROPERTY = KSST + "claimProperty"
CLAIM_OBJECT = KSST + "claimObject"
CLAIM_VALUE = KSST + "claimValue"
ABOUT_EDITION = KSST + "aboutEdition"
INVOLVES = KSST + "involvesClaim"
DISCREPANCY_KIND = KSST + "discrepancyKind"

# classes
C_EDITION = KSST + "Edition"
C_PROGRAMME = KSST + "Programme"
C_COUNTRY = KSST + "Country"
C_SOURCE = KSST + "SourceDocument"
C_PERSON = KSST + "Person"
C_ORG = ORG + "Organization"
C_PLACES = (KSST + "City", KSST + "Province", KSST + "Venue")
C_CONCEPT = SKOS + "Concept"
C_CLAIM = KSST + "Claim"
C_DISCREPANCY = KSST + "Discrepancy"
C_ENTERPRISE = KSST + "Enterprise"
C_VISIT = KSST + "Visit"
C_WORKSHOP = KSST + "Workshop"

PARTIAL = KG + "concept/completeness/partial"
TOPICS_SCHEME = KG + "scheme/topics"
ROLE_ORDER = ("organiser", "co-organiser", "host", "opener", "speaker", "participant", "attendee")

# words with which Indonesian articles introduce a list, glossed for English readers
MARKER_GLOSS = {
    "antara lain": "among others",
    "seperti": "such as",
    "di antaranya": "among them",
    "meliputi": "comprising",
    "yaitu": "namely",
    "yakni": "namely",
    "adalah": "namely",
    "terdiri dari": "consisting of",
}
