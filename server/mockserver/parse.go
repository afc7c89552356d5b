package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// parseListSize parses the n of GET /videos: empty means defaultListSize (or
// all videos if there are fewer); otherwise an integer 1..total.
func parseListSize(q string, total int) (int, error) {
	if q == "" {
		return min(defaultListSize, total), nil
	}
	n, err := strconv.Atoi(q)
	if err != nil {
		return 0, fiber.NewError(fiber.StatusUnprocessableEntity, fmt.Sprintf("query n: want an integer, got %q", q))
	}
	if n < 1 || n > total {
		return 0, fiber.NewError(fiber.StatusUnprocessableEntity, fmt.Sprintf("query n: want 1..%d, got %d", total, n))
	}
	return n, nil
}

// parseWarnings parses a PATCH body. It must be exactly one JSON object whose
// only key is "warnings" (matched exactly), holding a list of at most
// maxWarnings non-empty strings of at most maxWarningLength characters each.
// Malformed JSON gives 400; well-formed JSON of the wrong shape gives 422.
func parseWarnings(body []byte) ([]string, error) {
	if len(body) > maxBodyBytes {
		return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBodyBytes))
	}
	if !json.Valid(body) {
		return nil, fiber.NewError(fiber.StatusBadRequest, "body is not valid JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, unprocessable(`body must be a JSON object like {"warnings": ["..."]}`)
	}
	for k := range fields {
		if k != "warnings" {
			return nil, unprocessable(fmt.Sprintf("unknown field %q: only \"warnings\" can be changed", k))
		}
	}
	raw, ok := fields["warnings"]
	if !ok {
		return nil, unprocessable(`field "warnings" is required`)
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, unprocessable(`field "warnings" must be a list of strings, got null`)
	}
	var warnings []string
	if err := json.Unmarshal(raw, &warnings); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, unprocessable(fmt.Sprintf(`field "warnings" must be a list of strings, got %s`, te.Value))
		}
		return nil, unprocessable(`field "warnings" must be a list of strings`)
	}
	if len(warnings) > maxWarnings {
		return nil, unprocessable(fmt.Sprintf(`field "warnings": at most %d items, got %d`, maxWarnings, len(warnings)))
	}
	for i, w := range warnings {
		if n := utf8.RuneCountInString(w); n == 0 || n > maxWarningLength {
			return nil, unprocessable(fmt.Sprintf(`field "warnings"[%d]: want 1..%d characters, got %d`, i, maxWarningLength, n))
		}
	}
	return warnings, nil
}

func unprocessable(detail string) error {
	return fiber.NewError(fiber.StatusUnprocessableEntity, detail)
}
