package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"phuan/knowledge"
)

const kbUsage = `Usage:
  phuan kb lint                                          check the articles; exit 1 on errors
  phuan kb search [--lang L] [--limit N] [--json] QUERY  search as the bot does
  phuan kb export --json                                 print every article, every language

The articles come from PHUAN_KB_DIR when it is set, else those built in.
`

// runKB runs `phuan kb …`. It returns the exit code: 0 fine, 1 errors in
// the knowledge base, 2 a usage error.
func runKB(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, kbUsage)
		return 2
	}
	switch args[0] {
	case "lint":
		return kbLint(args[1:], stdout, stderr)
	case "search":
		return kbSearch(args[1:], stdout, stderr)
	case "export":
		return kbExport(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, kbUsage)
		return 0
	}
	fmt.Fprintf(stderr, "phuan kb: unknown command %q\n\n%s", args[0], kbUsage)
	return 2
}

// openKB opens the knowledge base PHUAN_KB_DIR names, or the built-in one.
func openKB(stderr io.Writer) (*knowledge.Base, bool) {
	b, err := knowledge.Open(os.Getenv("PHUAN_KB_DIR"))
	if err != nil {
		fmt.Fprintln(stderr, "phuan kb:", err)
		return nil, false
	}
	return b, true
}

func kbLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kb lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "phuan kb lint: unexpected %q\n", fs.Arg(0))
		return 2
	}
	b, ok := openKB(stderr)
	if !ok {
		return 1
	}
	bySeverity := map[string][]knowledge.Problem{}
	for _, p := range b.Lint() {
		bySeverity[p.Severity] = append(bySeverity[p.Severity], p)
	}
	sections := []struct{ severity, heading string }{
		{knowledge.SeverityError, "errors"},
		{knowledge.SeverityWarning, "warnings"},
		{knowledge.SeverityConfirm, "to confirm before going live"},
	}
	for _, s := range sections {
		ps := bySeverity[s.severity]
		if len(ps) == 0 {
			continue
		}
		fmt.Fprintf(stdout, "%s (%d):\n", s.heading, len(ps))
		for _, p := range ps {
			fmt.Fprintf(stdout, "  %s: %s\n", p.ArticleID, p.Message)
		}
		fmt.Fprintln(stdout)
	}
	n := len(bySeverity[knowledge.SeverityError])
	fmt.Fprintf(stdout, "%d articles, %d errors, %d warnings, %d to confirm\n", len(b.Articles()), n,
		len(bySeverity[knowledge.SeverityWarning]), len(bySeverity[knowledge.SeverityConfirm]))
	if n > 0 {
		return 1
	}
	return 0
}

func kbSearch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kb search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "", "the person's language: lo, th, en or lo-Latn")
	limit := fs.Int("limit", knowledge.DefaultLimit, "how many results")
	asJSON := fs.Bool("json", false, `print {"query": …, "results": [{"id", "title", "score"}]}`)
	// Flags may come before or after the words of the query.
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
	query := strings.Join(words, " ")
	if strings.TrimSpace(query) == "" {
		fmt.Fprint(stderr, "phuan kb search: no query\n\n", kbUsage)
		return 2
	}
	if *limit <= 0 {
		fmt.Fprintln(stderr, "phuan kb search: --limit must be at least 1")
		return 2
	}
	b, ok := openKB(stderr)
	if !ok {
		return 1
	}
	results := b.Search(query, *lang, *limit)
	if *asJSON {
		type result struct {
			ID    string  `json:"id"`
			Title string  `json:"title"`
			Score float64 `json:"score"`
		}
		out := struct {
			Query   string   `json:"query"`
			Results []result `json:"results"`
		}{Query: query, Results: []result{}}
		for _, r := range results {
			out.Results = append(out.Results, result{ID: r.ID, Title: title(r.Article, *lang), Score: r.Score})
		}
		if err := writeJSON(stdout, out); err != nil {
			fmt.Fprintln(stderr, "phuan kb search:", err)
			return 1
		}
		return 0
	}
	if len(results) == 0 {
		fmt.Fprintln(stdout, "no results")
		return 0
	}
	for i, r := range results {
		sure := ""
		if !r.Confident {
			sure = "  (not sure)"
		}
		fmt.Fprintf(stdout, "%d. %-28s %.3f  %s%s\n", i+1, r.ID, r.Score, title(r.Article, *lang), sure)
	}
	return 0
}

func title(a *knowledge.Article, lang string) string {
	if t := a.Text(lang); t != nil {
		return t.Title
	}
	return ""
}

func kbExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kb export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print every article, every language, as a JSON array")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !*asJSON || fs.NArg() > 0 {
		fmt.Fprint(stderr, "phuan kb export: only --json is supported\n\n", kbUsage)
		return 2
	}
	b, ok := openKB(stderr)
	if !ok {
		return 1
	}
	if err := writeJSON(stdout, b.Articles()); err != nil {
		fmt.Fprintln(stderr, "phuan kb export:", err)
		return 1
	}
	return 0
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
