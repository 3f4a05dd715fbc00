package knowledge

import "embed"

// embeddedArticles are the curated articles, one JSON file each.
//
//go:embed articles/*.json
var embeddedArticles embed.FS

// embeddedEvalSet is the evaluation set: questions as people type them and
// the articles that answer them.
//
//go:embed testdata/eval.json
var embeddedEvalSet []byte

// embeddedHeldOut are questions written apart from the articles' keywords
// and never used to choose them: they measure how retrieval does on
// phrasings nobody tuned for. Once keywords are chosen by looking at
// them, they belong in eval.json and new held-out questions are needed.
//
//go:embed testdata/heldout.json
var embeddedHeldOut []byte
