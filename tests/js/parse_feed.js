// The Podcast Index's parser (podcast-partytime) reading a feed file, for tests/test_publishing.py.
// Usage: node parse_feed.js FEED.xml RESULT.json
// The parsed feed goes to RESULT.json; stdout carries only partytime's own log lines.
"use strict";
const fs = require("fs");
const { parseFeed } = require("podcast-partytime");

const [feedPath, resultPath] = process.argv.slice(2);
const feed = parseFeed(fs.readFileSync(feedPath, "utf8"));
if (!feed) {
  console.error(`podcast-partytime could not read ${feedPath} as a podcast feed`);
  process.exit(1);
}
fs.writeFileSync(resultPath, JSON.stringify(feed));
