package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"phuan/knowledge"
)

// kbDir writes throwaway articles to a temporary folder and points
// PHUAN_KB_DIR at it.
func kbDir(t *testing.T, change func(map[string]*knowledge.Article)) {
	t.Helper()
	src := []knowledge.Source{{Title: "Test source"}}
	articles := map[string]*knowledge.Article{
		"unpaid-wages": {
			ID: "unpaid-wages", Category: "rights", Audience: []string{"abroad"}, Countries: []string{"TH"},
			Lang: map[string]*knowledge.Text{
				"lo": {Title: "ບໍ່ໄດ້ຮັບເງິນເດືອນ", Summary: "ຖ້ານາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ ໃຫ້ຂໍຄວາມຊ່ວຍເຫຼືອ.", Body: "ເກັບສັນຍາໄວ້.", Keywords: []string{"ເງິນເດືອນ", "ngern duean"}},
				"th": {Title: "ไม่ได้รับค่าจ้าง", Summary: "ถ้านายจ้างไม่จ่ายค่าจ้าง ให้ขอความช่วยเหลือ", Body: "เก็บสัญญาไว้", Keywords: []string{"ค่าจ้าง"}},
				"en": {Title: "Unpaid wages", Summary: "If your employer does not pay you, ask for help.", Body: "Keep your contract.", Keywords: []string{"salary", "wage"}},
			},
			Sources: src, Reviewed: "2026-11-01",
		},
		"health-care": {
			ID: "health-care", Category: "health", Audience: []string{"returned"}, Countries: []string{"LA"},
			Lang: map[string]*knowledge.Text{
				"lo": {Title: "ການປິ່ນປົວ", Summary: "ຖ້າເຈັບປ່ວຍ ໃຫ້ໄປໂຮງໝໍ.", Body: "ໂຮງໝໍເມືອງ.", Keywords: []string{"ໂຮງໝໍ"}},
				"en": {Title: "Health care", Summary: "If you are sick, go to a hospital.", Body: "The district hospital.", Keywords: []string{"hospital"}},
			},
			Sources: src, Reviewed: "2026-11-01",
		},
	}
	if change != nil {
		change(articles)
	}
	dir := t.TempDir()
	for id, a := range articles {
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, id+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PHUAN_KB_DIR", dir)
}

func runKBTest(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runKB(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestKBLint(t *testing.T) {
	tests := []struct {
		name     string
		change   func(map[string]*knowledge.Article)
		code     int
		contains []string
	}{
		{"clean", nil, 0, []string{"2 articles, 0 errors, 0 warnings, 0 to confirm"}},
		{"missing english", func(m map[string]*knowledge.Article) { delete(m["health-care"].Lang, "en") }, 1,
			[]string{"errors (1):", "health-care: en: missing"}},
		{"to confirm", func(m map[string]*knowledge.Article) { m["health-care"].Confirm = []string{"opening hours"} }, 0,
			[]string{"to confirm before going live (1):", "health-care: opening hours"}},
		{"broken related", func(m map[string]*knowledge.Article) { m["health-care"].Related = []string{"nowhere"} }, 1,
			[]string{`no article "nowhere"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kbDir(t, tt.change)
			code, out, errOut := runKBTest("lint")
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, c := range tt.contains {
				if !strings.Contains(out, c) {
					t.Errorf("output lacks %q:\n%s", c, out)
				}
			}
		})
	}
}

func TestKBSearchJSON(t *testing.T) {
	kbDir(t, nil)
	for _, args := range [][]string{
		{"search", "--json", "--lang", "lo", "ngern", "duean"},
		{"search", "ngern", "duean", "--json", "--lang=lo"},
	} {
		code, out, errOut := runKBTest(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if len(got) != 2 || got["query"] != "ngern duean" {
			t.Errorf("%v: %s", args, out)
		}
		results, _ := got["results"].([]any)
		if len(results) == 0 {
			t.Fatalf("%v: no results: %s", args, out)
		}
		first := results[0].(map[string]any)
		if len(first) != 3 || first["id"] != "unpaid-wages" || first["title"] != "ບໍ່ໄດ້ຮັບເງິນເດືອນ" {
			t.Errorf("%v: first result %v", args, first)
		}
		if s, ok := first["score"].(float64); !ok || s <= 0 || s > 1 {
			t.Errorf("%v: score %v", args, first["score"])
		}
	}
}

func TestKBSearchNoResultsJSON(t *testing.T) {
	kbDir(t, nil)
	code, out, _ := runKBTest("search", "--json", "zzzqqq")
	if code != 0 || !strings.Contains(out, `"results": []`) {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestKBSearchText(t *testing.T) {
	kbDir(t, nil)
	code, out, _ := runKBTest("search", "--limit", "1", "hospital")
	if code != 0 || !strings.HasPrefix(out, "1. health-care") || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d: %q", code, out)
	}
	code, out, _ = runKBTest("search", "zzzqqq")
	if code != 0 || out != "no results\n" {
		t.Errorf("exit %d: %q", code, out)
	}
}

func TestKBExport(t *testing.T) {
	kbDir(t, nil)
	code, out, errOut := runKBTest("export", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []knowledge.Article
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "health-care" || len(got[1].Lang) != 3 || got[1].Lang["th"].Title != "ไม่ได้รับค่าจ้าง" {
		t.Errorf("export: %s", out)
	}
}

func TestKBUsageErrors(t *testing.T) {
	kbDir(t, nil)
	for _, args := range [][]string{
		nil,
		{"nonsense"},
		{"search"},
		{"search", "--limit", "0", "x"},
		{"search", "--bogus", "x"},
		{"export"},
		{"lint", "extra"},
	} {
		if code, _, errOut := runKBTest(args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestKBBadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"id": "broken", "extra": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PHUAN_KB_DIR", dir)
	code, _, errOut := runKBTest("lint")
	if code != 1 || !strings.Contains(errOut, "broken.json") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
