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
