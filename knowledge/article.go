package knowledge

// Article is one curated topic, stored as one JSON file (articles/<id>.json).
// Lao ("lo") and English ("en") are required; Thai ("th") is required for
// everything a person in Thailand needs.
type Article struct {
	ID        string           `json:"id"`        // stable, lower-case, a-z 0-9 and '-'
	Category  string           `json:"category"`  // rights | migration | money | health | home | service
	Audience  []string         `json:"audience"`  // abroad | planning | returned | all
	Countries []string         `json:"countries"` // ISO 3166 alpha-2 (TH, KR, MY, JP, LA) or "ALL"
	Lang      map[string]*Text `json:"lang"`      // keyed by lo, th, en
	Contacts  []Contact        `json:"contacts,omitempty"`
	Sources   []Source         `json:"sources"`
	Reviewed  string           `json:"reviewed"` // YYYY-MM-DD, the date the facts were last checked
	Related   []string         `json:"related,omitempty"`
	// Confirm lists statements a deployer must check before going live;
	// `phuan kb lint` prints them.
	Confirm []string `json:"confirm,omitempty"`
}

// Text is an article in one language.
type Text struct {
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`  // fits one chat message: at most 600 characters
	Body     string   `json:"body"`     // paragraphs separated by blank lines
	Keywords []string `json:"keywords"` // search aliases, including romanised Lao in "lo"
}

// Contact is a structured way to reach help. Phone, Address and Link are
// optional, but at least one is present, and Source always is.
type Contact struct {
	Name    map[string]string `json:"name"` // organisation, per language (en required)
	Phone   string            `json:"phone,omitempty"`
	Address string            `json:"address,omitempty"`
	Link    string            `json:"link,omitempty"`
	Country string            `json:"country"` // where it helps: TH, KR, MY, JP, LA
	Helps   map[string]string `json:"helps"`   // what it helps with, per language
	// Emergency marks numbers to show first when a person is in danger.
	Emergency bool `json:"emergency,omitempty"`
	// For lists the kinds of danger (CrisisKinds) this number is the first
	// call for: when a message signals one, it is listed before the others.
	For    []string `json:"for,omitempty"`
	Source string   `json:"source"` // the named document or organisation the number comes from
	// Confirm is set when a deployer must check this contact before going live.
	Confirm bool `json:"confirm,omitempty"`
}

// Source names where the facts of an article come from.
type Source struct {
	Title string `json:"title"`
	Org   string `json:"org,omitempty"`
	Date  string `json:"date,omitempty"`
	Link  string `json:"link,omitempty"`
}
