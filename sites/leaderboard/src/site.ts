/** What the site is about; the leaderboard, model pages and dataset cards arrive with their issue. */
export const site = {
  title: "VideoKR-Eval leaderboard",
  description: "Results of video models on knowledge- and reasoning-intensive video QA, and the cards of the VideoKR corpora.",
  sections: ["Leaderboard", "Model pages", "Dataset cards", "Submitting results"]
} as const
