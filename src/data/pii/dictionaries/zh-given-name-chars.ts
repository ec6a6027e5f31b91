// Characters frequent in Chinese given names (from public name-frequency statistics of the 1950s–2010s
// generations). Used only for the context-free guess "surname + 1–2 of these characters", which is
// why the set leaves out characters that mostly occur in ordinary words.
const CHARS =
  "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣晨涵轩梓睿昊博然雨泽子一诺琪婷雅馨怡佳思嘉欢梦晓晶莹颖倩璐瑶薇琳淑慧惠珍贞凤翠菊梅春秋冬雪冰月星云飞翔鸿志国建文武德宏毅锋峰波海江河山川岩石松柏桐楠柳荣昌盛兴旺福禄寿喜祥瑞安康乐泰晖光亮阳晴东南北西中正义信忠孝仁礼智勤俭诚朗逸飘霖皓睿瀚铭哲豪杰骏驰腾彦硕宸泓钰锦熙妍琦瑾萱蕾蓓媛嫣婉娴姗婧怡悦欣卓越航远达迪笛迎盈赢静娇倩茜淼鑫森焱垚磊晶犇骁宣轩铮曦旭晟昕晗玥琰璇瑜璟瑄婕妤滢潇湘沁溪源澄涛沛洁清淳润浩泓瀚汉立新斌彬兵成诚承城澜岚蓝兰丹彤红虹鸣铭明敏民旻雯文闻纹芸云韵蕴运昀嘉佳家加迦茂懋雄熊胜晟圣升生声笙秀岫修宪显贤弦娴香湘翔祥享向晓小孝笑效啸心欣新馨鑫信星兴杏幸雄秀绣旭序轩萱璇玄雪勋巡浚俊峻骏珺筠钧君军";
export const ZH_GIVEN_NAME_CHARS: ReadonlySet<string> = new Set(CHARS);
