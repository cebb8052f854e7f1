package demoapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// reconPage is the page size of the reconciliation job. Small on purpose:
// the demo's datasets are small, and the job must be seen to page.
const reconPage = 3

// fetchAll pages through a list endpoint over a window: limit/offset from
// 0, each page starting where the last ended, until offset + items >=
// total. It returns the raw items and the pages fetched.
func (s *script) fetchAll(ctx context.Context, path string, window []string) ([]json.RawMessage, int, error) {
	var all []json.RawMessage
	for offset, pages := 0, 0; ; pages++ {
		var page struct {
			Items []json.RawMessage `json:"items"`
			Total int               `json:"total"`
		}
		q := query(append(window, "limit", strconv.Itoa(reconPage), "offset", strconv.Itoa(offset))...)
		if err := s.api.do(ctx, call{method: http.MethodGet, path: path + q}, &page); err != nil {
			return nil, pages, err
		}
		all = append(all, page.Items...)
		offset += len(page.Items)
		if offset >= page.Total || len(page.Items) == 0 {
			if offset < page.Total {
				return nil, pages + 1, fmt.Errorf("page %s: empty page at offset %d of %d", path, offset, page.Total)
			}
			return all, pages + 1, nil
		}
	}
}

// runReconcile is C16 (L16): the daily job over one window — every card
// transaction and every fee, paged to the end, plus the wallet movements —
// with fees joined to their transaction on authRefNum.
func (s *script) runReconcile(ctx context.Context) (string, error) {
	after := s.start.Add(-time.Minute).Unix()
	before := time.Now().Add(time.Minute).Unix()
	window := []string{"after", strconv.FormatInt(after, 10), "before", strconv.FormatInt(before, 10)}
	rawTx, txPages, err := s.fetchAll(ctx, "/cards/transactions", window)
	if err != nil {
		return "", err
	}
	rawFees, feePages, err := s.fetchAll(ctx, "/cards/fees", window)
	if err != nil {
		return "", err
	}
	rawMoves, movePages, err := s.fetchAll(ctx, "/wallets/transactions", window)
	if err != nil {
		return "", err
	}
	byRef := map[string]txnDoc{}
	for _, raw := range rawTx {
		var t txnDoc
		if err := json.Unmarshal(raw, &t); err != nil {
			return "", fmt.Errorf("decode transaction: %w", err)
		}
		byRef[t.AuthRefNum] = t
	}
	joined := 0
	for _, raw := range rawFees {
		var f feeDoc
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", fmt.Errorf("decode fee: %w", err)
		}
		if _, found := byRef[f.AuthRefNum]; !found {
			return "", fmt.Errorf("fee of authRefNum %s has no transaction in the window", f.AuthRefNum)
		}
		joined++
	}
	if len(rawTx) == 0 {
		return "", fmt.Errorf("reconcile: no card transaction in the window")
	}
	return fmt.Sprintf("%d transactions (%d pages), %d fees (%d pages) all joined on authRefNum, %d wallet movements (%d pages)",
		len(rawTx), txPages, joined, feePages, len(rawMoves), movePages), nil
}
