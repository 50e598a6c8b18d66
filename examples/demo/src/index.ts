export { runStory, type StoryOptions, type StoryResult } from './story.ts';
