// Package knowledge owns the curated articles (embedded, or a folder named by PHUAN_KB_DIR), their loading and lint,
// the Lao/Thai/English text normaliser and tokeniser, the BM25F index and ranking with its confidence threshold,
// and the evaluation and held-out question sets, retrieval measures and latency report used by tests and
// `phuan bench kb`.
package knowledge
