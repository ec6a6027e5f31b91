// Common English given names (US Social Security Administration and UK ONS top lists, several
// generations), lower-case. Names that are mostly ordinary words in running text (Will, May, June,
// Grace, Hope, Joy, Faith, Mark, Bill, Rose, Summer, Page, Chance, Art) are left out on purpose: they
// would turn "May Day" or "Grace Period" into people.
const NAMES = `
aaron abigail adam adrian aiden alan albert alex alexander alexandra alexis alfred alice alicia alison allen
allison alyssa amanda amber amelia amy andrea andrew angela angelina anita ann anna anne annie anthony antonio
april arthur ashley audrey austin ava barbara barry beatrice becky ben benjamin bernard beth betty beverly bianca
billy blake bobby bonnie brad bradley brandon brenda brett brian brianna bridget brittany brooke bruce bryan
caleb cameron camila carl carla carlos carmen carol caroline carolyn carrie casey catherine cecilia charles
charlie charlotte chelsea cheryl chloe chris christian christina christine christopher cindy claire clara
clarence claudia clayton clifford colin connie connor craig crystal curtis cynthia daisy dale dan dana daniel
danielle danny darlene darren david dawn dean deborah debra denise dennis derek diana diane dolores dominic
donald donna doris dorothy douglas dylan earl eddie edgar edith edward edwin eileen elaine eleanor elena eli
elijah elizabeth ella ellen emily emma eric erica erik erin ernest esther ethan eugene eva evan evelyn felicia
fernando florence frances francis frank franklin fred frederick gabriel gabriella gail gary gavin gene george
gerald gina gladys glen glenn gloria gordon greg gregory hailey hannah harold harry hazel heather hector heidi
helen henry herbert holly howard ian irene isaac isabel isabella isaiah ivan jack jackie jackson jacob
jacqueline jaime jake james jamie jane janet janice jared jasmine jason javier jean jeanette jeff jeffrey
jenna jennifer jeremy jerome jerry jesse jessica jesus jill jim jimmy joan joann joanna joe joel john johnny
jon jonathan jordan jorge jose joseph josephine joshua joyce juan judith judy julia julian julie justin
kaitlyn karen karl kate katelyn katherine kathleen kathryn kathy katie kayla keith kelly kelsey ken kenneth
kevin kim kimberly kirk kristen kristin kyle lance larry laura lauren lawrence leah lee leon leonard leslie
lillian lily linda lindsay lindsey lisa logan lois lori lorraine louis louise lucas lucy luis luke lydia
lynn madeline madison manuel marcia marcus margaret maria marian marie marilyn marion marjorie marlene martha
martin marvin mary mason matthew maureen maxine megan melanie melissa melvin meredith mia micheal michael
michelle miguel mike mildred miranda mitchell molly monica morgan nancy naomi natalie nathan nathaniel neil
nicholas nicole noah nora norma norman oliver olivia oscar owen paige pamela patricia patrick paul paula pauline
pedro peggy penelope peter philip phillip phyllis rachel ralph ramon randall randy raymond rebecca regina
renee rhonda ricardo richard rick ricky riley rita robert roberta roberto robin rodney roger roland ronald
ronnie rosa rosemary ross roy ruby russell ruth ryan sabrina sally samantha samuel sandra sara sarah savannah
scott sean sebastian sergio seth shannon sharon shawn sheila shelby shirley sierra sofia sophia sophie stacy
stanley stephanie stephen steve steven susan suzanne sydney sylvia tammy tanya tara taylor ted teresa terry
theodore theresa thomas tiffany timothy tina todd tom tommy tony tracy travis trevor troy tyler valerie
vanessa vera veronica vicki victor victoria vincent virginia vivian walter wanda warren wayne wendy wesley
whitney william willie wyatt yolanda yvonne zachary zoe
`;
export const EN_FIRST_NAMES: ReadonlySet<string> = new Set(NAMES.split(/\s+/).filter(Boolean));
