import { describe, expect, it } from "vitest";
import { flagCategories, flagSummary, formatModerationLabel, isFlagged, moderationLabels } from "./moderation";

const flagged = {
  imageID: "a/x.jpg",
  moderationLabels: [
    { name: "Suggestive", confidence: 71.2 },
    { name: "Nudity", confidence: 97.46, parentName: "Explicit Nudity" },
    { name: "Explicit Nudity", confidence: 97.46 },
    { name: "Graphic Violence Or Gore", confidence: 60.1, parentName: "Violence" },
    { confidence: 99 },
    { name: "  " },
  ] as never[],
};

describe("moderation labels", () => {
  it("keeps named labels, most confident first", () => {
    expect(moderationLabels(flagged).map((l) => l.name)).toEqual(["Nudity", "Explicit Nudity", "Suggestive", "Graphic Violence Or Gore"]);
    expect(isFlagged(flagged)).toBe(true);
  });

  it("a photo without labels, or with an empty list, is not flagged", () => {
    expect(isFlagged({ imageID: "a" })).toBe(false);
    expect(isFlagged({ imageID: "a", moderationLabels: [] })).toBe(false);
    expect(moderationLabels(undefined)).toEqual([]);
  });

  it("says what was flagged by top-level category, each once", () => {
    const labels = moderationLabels(flagged);
    expect(flagCategories(labels)).toEqual(["Explicit Nudity", "Suggestive", "Violence"]);
    expect(flagSummary(labels)).toBe("Flagged: Explicit Nudity, Suggestive, Violence");
  });

  it("lists each label with its confidence and parent", () => {
    expect(formatModerationLabel({ name: "Nudity", confidence: 97.46, parentName: "Explicit Nudity" })).toBe("Nudity 97% (Explicit Nudity)");
    expect(formatModerationLabel({ name: "Violence" })).toBe("Violence");
  });
});
