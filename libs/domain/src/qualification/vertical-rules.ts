import type { Vertical } from '@textback/contracts';

/**
 * What each vertical's customers write: service types and emergencies, as named patterns.
 * Data, not code: a vertical is added by adding its rules.
 */
export interface VerticalRules {
  readonly services: readonly { readonly type: string; readonly pattern: RegExp }[];
  readonly emergencies: readonly { readonly name: string; readonly pattern: RegExp }[];
}

const OUT = String.raw`(?:is\s+)?(?:out|down|broke(?:n)?|dead|not\s+working|stopped(?:\s+working)?|quit|won'?t\s+(?:turn\s+on|work|start))`;

export const verticalRules: Readonly<Record<Vertical, VerticalRules>> = {
  hvac: {
    services: [
      { type: 'cooling', pattern: /\b(?:a\/?c|air\s*con\w*|cooling|not\s+cool\w*|heat\s*pump)\b/i },
      { type: 'heating', pattern: /\b(?:heat(?:er|ing)?|furnace|boiler|no\s+heat)\b/i },
      {
        type: 'maintenance',
        pattern: /\b(?:tune[-\s]?up|maintenance|filter|inspection|check[-\s]?up)\b/i,
      },
      { type: 'installation', pattern: /\b(?:install\w*|replace\w*|new\s+(?:unit|system))\b/i },
    ],
    emergencies: [
      {
        name: 'no-cooling-in-heat',
        pattern: new RegExp(
          String.raw`\b(?:a\/?c|air\s*con\w*|cooling)\b[^.?!]*\b${OUT}\b[\s\S]*\b(?:9\d|1[01]\d)\s*(?:°|degrees?|f\b)`,
          'i',
        ),
      },
      {
        name: 'no-heat',
        pattern:
          /\bno\s+heat\b|\b(?:furnace|heat(?:er|ing)?)\b[^.?!]*\b(?:out|down|broke(?:n)?|not\s+working|stopped)\b[\s\S]*\b(?:[0-3]\d|4[0-5])\s*(?:°|degrees?)/i,
      },
      {
        name: 'gas-smell',
        pattern: /\b(?:smell(?:s|ing)?\s+(?:of\s+)?gas|gas\s+(?:smell|leak))\b/i,
      },
      { name: 'carbon-monoxide', pattern: /\b(?:carbon\s+monoxide|co\s+(?:alarm|detector))\b/i },
    ],
  },
  plumbing: {
    services: [
      { type: 'leak', pattern: /\b(?:leak\w*|drip\w*)\b/i },
      { type: 'drain', pattern: /\b(?:clog\w*|drain\w*|backed\s+up)\b/i },
      { type: 'water-heater', pattern: /\b(?:water\s+heater|hot\s+water)\b/i },
      { type: 'toilet', pattern: /\btoilet\b/i },
    ],
    emergencies: [
      { name: 'flooding', pattern: /\bflood\w*\b/i },
      { name: 'burst-pipe', pattern: /\b(?:burst|broken)\s+pipe\b|\bpipe\s+burst\b/i },
      { name: 'sewage-backup', pattern: /\bsewage\b|\bsewer\b[^.?!]*\bback/i },
      { name: 'no-water', pattern: /\bno\s+(?:running\s+)?water\b/i },
    ],
  },
  electrical: {
    services: [
      { type: 'outlets-wiring', pattern: /\b(?:outlet|wiring|switch|breaker)\w*\b/i },
      { type: 'panel', pattern: /\bpanel\b/i },
      { type: 'lighting', pattern: /\blight(?:s|ing)?\b/i },
    ],
    emergencies: [
      {
        name: 'sparks-or-burning',
        pattern: /\b(?:spark\w*|burning\s+smell|smell\w*\s+burning|smoke)\b/i,
      },
      { name: 'shock', pattern: /\b(?:shock(?:ed)?|electrocut\w*)\b/i },
    ],
  },
  pest: {
    services: [
      { type: 'termites', pattern: /\btermites?\b/i },
      { type: 'rodents', pattern: /\b(?:mice|mouse|rats?|rodents?)\b/i },
      { type: 'insects', pattern: /\b(?:ants?|roach\w*|cockroach\w*|bed\s*bugs?|spiders?)\b/i },
      { type: 'stinging-insects', pattern: /\b(?:wasps?|hornets?|bees?)\b/i },
    ],
    emergencies: [
      {
        name: 'stinging-insects-indoors',
        pattern: /\b(?:wasps?|hornets?|bees?)\b[^.?!]*\b(?:inside|in\s+the\s+house|allerg\w*)\b/i,
      },
    ],
  },
  dental: {
    services: [
      { type: 'cleaning', pattern: /\b(?:cleaning|check[-\s]?up|hygien\w*)\b/i },
      { type: 'pain', pattern: /\b(?:tooth\s*ache|toothache|pain|hurts?)\b/i },
      { type: 'restorative', pattern: /\b(?:crown|filling|cavity|implant|root\s+canal)\b/i },
      { type: 'cosmetic', pattern: /\b(?:whiten\w*|veneers?|braces|aligners?)\b/i },
    ],
    emergencies: [
      {
        name: 'knocked-out-tooth',
        pattern: /\b(?:knocked\s+out|broke(?:n)?)\s+(?:a\s+|my\s+)?tooth\b/i,
      },
      { name: 'swelling-or-abscess', pattern: /\b(?:swell\w*|swollen|abscess)\b/i },
      {
        name: 'uncontrolled-bleeding',
        pattern: /\bbleeding\b[^.?!]*\b(?:won'?t|doesn'?t|not)\s+stop/i,
      },
    ],
  },
  vet: {
    services: [
      { type: 'wellness', pattern: /\b(?:vaccin\w*|shots?|check[-\s]?up|annual)\b/i },
      {
        type: 'sick-visit',
        pattern: /\b(?:sick|vomit\w*|throwing\s+up|diarrh\w*|limp\w*|not\s+eating)\b/i,
      },
      { type: 'surgery', pattern: /\b(?:spay\w*|neuter\w*|surgery)\b/i },
      { type: 'dental', pattern: /\b(?:teeth|dental)\b/i },
    ],
    emergencies: [
      {
        name: 'toxic-ingestion',
        pattern:
          /\b(?:ate|eaten|swallowed|got\s+into)\b[^.?!]*\b(?:chocolate|grapes?|raisins?|xylitol|poison\w*|antifreeze|rat\s+bait|medication|pills?)\b/i,
      },
      { name: 'trauma', pattern: /\bhit\s+by\s+a\s+car\b/i },
      { name: 'breathing', pattern: /\b(?:can'?t|cannot|not|struggling\s+to)\s+breath\w*\b/i },
      { name: 'seizure', pattern: /\bseiz\w*\b/i },
    ],
  },
  auto: {
    services: [
      { type: 'brakes', pattern: /\bbrakes?\b/i },
      { type: 'oil-change', pattern: /\boil\s+change\b/i },
      { type: 'tires', pattern: /\btires?\b|\bflat\b/i },
      { type: 'engine', pattern: /\b(?:engine|check\s+engine|transmission)\b/i },
    ],
    emergencies: [
      {
        name: 'stranded',
        pattern: /\b(?:broke\s+down|stranded|stuck\s+on\s+the\s+(?:road|highway))\b/i,
      },
    ],
  },
  legal: {
    services: [
      { type: 'injury', pattern: /\b(?:accident|injur\w*)\b/i },
      { type: 'family', pattern: /\b(?:divorce|custody)\b/i },
      { type: 'criminal', pattern: /\b(?:dui|dwi|arrest\w*|charged)\b/i },
      { type: 'estate', pattern: /\b(?:will|estate|probate|trust)\b/i },
    ],
    emergencies: [{ name: 'in-custody', pattern: /\b(?:in\s+jail|arrested|in\s+custody)\b/i }],
  },
  other: { services: [], emergencies: [] },
};

/** Words that make any request urgent (not an emergency by themselves). */
export const urgencyPattern =
  /\b(?:asap|urgent\w*|emergency|right\s+away|immediately|today|tonight|now)\b/i;
