package mockserver

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// listJSON holds the JSON array of all ids, encoded once; prefix[n] is the
// length of the array's first n elements, so any "first n" answer is a slice.
type listJSON struct {
	all    []byte
	prefix []int
}

// newListJSON encodes ids. Ids are lowercase ASCII words, so they need no
// escaping.
func newListJSON(ids []string) listJSON {
	l := listJSON{all: []byte{'['}, prefix: make([]int, len(ids)+1)}
	l.prefix[0] = 1
	for i, id := range ids {
		if i > 0 {
			l.all = append(l.all, ',')
		}
		l.all = append(l.all, '"')
		l.all = append(l.all, id...)
		l.all = append(l.all, '"')
		l.prefix[i+1] = len(l.all)
	}
	return l
}

// listVideos answers GET /videos?n=100 with the first n ids.
func (s *server) listVideos(c *fiber.Ctx) error {
	n, err := parseListSize(c.Query("n"), s.db.Len())
	if err != nil {
		return err
	}
	if err := s.wait(c, endpoints.VideosList, nil); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	// Write copies, so the shared encoding is never modified.
	if _, err := c.Write(s.list.all[:s.list.prefix[n]]); err != nil {
		return err
	}
	_, err = c.WriteString("]")
	return err
}

// getVideo answers GET /videos/{id}.
func (s *server) getVideo(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, ok := s.db.Video(id); !ok {
		return videoNotFound(id)
	}
	if err := s.wait(c, endpoints.Video, nil); err != nil {
		return err
	}
	v, _ := s.db.Video(id) // read after the wait: reflects patches made meanwhile
	return c.JSON(v)
}

// getTranscript answers GET /videos/{id}/transcript with a JSON string.
func (s *server) getTranscript(c *fiber.Ctx) error {
	id := c.Params("id")
	t, ok := s.db.Transcript(id)
	if !ok {
		return videoNotFound(id)
	}
	if err := s.wait(c, endpoints.Transcript, nil); err != nil {
		return err
	}
	return c.JSON(t)
}

// patchVideo answers PATCH /videos/{id} with body {"warnings": [...]}.
func (s *server) patchVideo(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, ok := s.db.Video(id); !ok {
		return videoNotFound(id)
	}
	warnings, err := parseWarnings(c.Body())
	if err != nil {
		return err
	}
	if err := s.wait(c, endpoints.Patch, nil); err != nil {
		return err
	}
	s.db.SetWarnings(id, warnings)
	return c.JSON("success")
}

func videoNotFound(id string) error {
	return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("video %q not found", id))
}
