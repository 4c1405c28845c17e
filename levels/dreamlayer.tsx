<?xml version="1.0" encoding="UTF-8"?>
<tileset version="1.10" tiledversion="1.10.2" name="dreamlayer" tilewidth="8" tileheight="8" tilecount="4" columns="4">
 <image source="dreamlayer_tiles.png" width="32" height="8"/>
 <tile id="0">
  <properties>
   <property name="kind" value="wall"/>
  </properties>
 </tile>
 <tile id="1">
  <properties>
   <property name="kind" value="sanctuary"/>
  </properties>
 </tile>
 <tile id="2">
  <properties>
   <property name="kind" value="rest"/>
  </properties>
 </tile>
 <tile id="3">
  <properties>
   <property name="kind" value="commons"/>
  </properties>
 </tile>
</tileset>
