package mockserver

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// The weather changes every weatherTick and repeats every weatherPeriod.
const (
	weatherTick   = 2   // seconds a reading stays the same
	weatherPeriod = 120 // seconds of one full warm-cold cycle
)

// weather is a reading for one place.
type weather struct {
	Lat         float64 `json:"lat"`         // latitude, as asked
	Lon         float64 `json:"lon"`         // longitude, as asked
	Temperature float64 `json:"temperature"` // degrees Celsius, one decimal
	Description string  `json:"description"` // the sky, e.g. "light rain"
}

// skies are the descriptions, from cold to warm.
var skies = []string{"snow", "fog", "moderate rain", "light rain", "overcast clouds", "broken clouds", "few clouds", "clear sky"}

// weatherAt returns the reading at lat, lon for the given Unix second: the
// same inputs always give the same reading; the reading moves with time.
func weatherAt(lat, lon float64, unix int64) weather {
	tick := unix / weatherTick
	base := 27 - 0.45*math.Abs(lat) // warmer near the equator
	phase := 2*math.Pi*float64(tick*weatherTick)/weatherPeriod + lon*math.Pi/180
	noise := float64(mix(uint64(tick), math.Float64bits(lat), math.Float64bits(lon))%21)/10 - 1 // -1.0..+1.0
	temp := math.Round((base+6*math.Sin(phase)+noise)*10) / 10
	sky := int(mix(uint64(tick), math.Float64bits(lon), 7) % 3) // a little variety
	idx := min(max(int((temp+5)/5)+sky-1, 0), len(skies)-1)
	if temp > 0 && idx == 0 {
		idx = 1 // no snow above freezing
	}
	return weather{Lat: lat, Lon: lon, Temperature: temp, Description: skies[idx]}
}

// getWeather answers GET /weather?lat=..&lon=...
func (s *server) getWeather(c *fiber.Ctx) error {
	lat, err := parseCoordinate(c.Query("lat"), "lat", 90)
	if err != nil {
		return err
	}
	lon, err := parseCoordinate(c.Query("lon"), "lon", 180)
	if err != nil {
		return err
	}
	if err := s.wait(c, endpoints.Weather, nil); err != nil {
		return err
	}
	return c.JSON(weatherAt(lat, lon, s.now().Unix()))
}

// parseCoordinate parses a required decimal in -limit..limit.
func parseCoordinate(q, name string, limit float64) (float64, error) {
	if q == "" {
		return 0, unprocessable(fmt.Sprintf("query %s is required", name))
	}
	v, err := strconv.ParseFloat(q, 64)
	if err != nil || math.IsNaN(v) || v < -limit || v > limit {
		return 0, unprocessable(fmt.Sprintf("query %s: want a number in -%g..%g, got %q", name, limit, limit, q))
	}
	return v, nil
}

// mix hashes its inputs into one well-spread number (splitmix64 steps).
func mix(vs ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, v := range vs {
		h ^= v
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}
