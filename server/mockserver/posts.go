package mockserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/jaswdr/faker/v2"
)

// Shape of the posts service.
const (
	numPosts     = 100 // posts have ids 1..numPosts
	postsPerUser = 10  // posts 1..10 belong to user 1, and so on
)

// post is a blog post, shaped like the public placeholder APIs the asyncio
// examples fetch from.
type post struct {
	UserID int    `json:"userId"` // author, 1..numPosts/postsPerUser
	ID     int    `json:"id"`     // 1..numPosts
	Title  string `json:"title"`  // a few lowercase words
	Body   string `json:"body"`   // lines of words, separated by newlines
}

// newPosts generates numPosts posts from seed.
func newPosts(seed int64) []post {
	f := faker.NewWithSeedInt64(seed + 1) // a stream of its own, apart from the videos
	posts := make([]post, numPosts)
	for i := range posts {
		lines := make([]string, f.IntBetween(2, 4))
		for j := range lines {
			lines[j] = strings.Join(f.Lorem().Words(f.IntBetween(6, 14)), " ")
		}
		posts[i] = post{
			UserID: i/postsPerUser + 1,
			ID:     i + 1,
			Title:  strings.Join(f.Lorem().Words(f.IntBetween(3, 7)), " "),
			Body:   strings.Join(lines, "\n"),
		}
	}
	return posts
}

// getPost answers GET /posts/{id}.
func (s *server) getPost(c *fiber.Ctx) error {
	raw := c.Params("id")
	id, err := strconv.Atoi(raw)
	if err != nil {
		return unprocessable(fmt.Sprintf("post id: want an integer, got %q", raw))
	}
	if id < 1 || id > len(s.posts) {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("post %d not found: ids are 1..%d", id, len(s.posts)))
	}
	if err := s.wait(c, endpoints.Posts, nil); err != nil {
		return err
	}
	return c.JSON(s.posts[id-1])
}
